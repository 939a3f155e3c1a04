/**
 * The local stack with inbound shards (`npm start -- --inbound-shards 3`, the deploy parameter
 * `inboundShards`): every channel is answered, each channel's messages went through its own
 * shard's worker pollers only, and the stack names its shard queues.
 */
import type { LocalStack } from '../../infra/local/runtime/stack';
import { inboundShardOf } from '../../shared/inbound/shards';
import { makeTestToken } from '../support/tokens';
import { clientSays, createActiveChannel, replyMatching, startTestStack } from './helpers';

jest.setTimeout(90_000);

const SHARDS = 3;
let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack('e2e-shards', { inboundShards: SHARDS });
});
afterAll(async () => {
  await stack?.stop();
});

it('answers every channel, each through its own shard', async () => {
  expect(stack.queues.inboundShards.map((q) => q.url.split('/').pop())).toEqual([
    expect.stringMatching(/-inbound\.fifo$/),
    expect.stringMatching(/-inbound-1\.fifo$/),
    expect.stringMatching(/-inbound-2\.fifo$/),
  ]);
  expect(stack.env.INBOUND_QUEUE_URLS?.split(',')).toEqual(stack.queues.inboundShards.map((q) => q.url));
  const channels = [];
  for (let i = 0; i < 4; i += 1) {
    const token = makeTestToken(`e2e-shard-${i}`);
    channels.push({ token, ...(await createActiveChannel(stack.url, token)) });
  }
  const perShard = Array.from({ length: SHARDS }, () => 0);
  for (const [i, channel] of channels.entries()) {
    const messages = i + 1;
    perShard[inboundShardOf(channel.id, SHARDS)]! += messages;
    for (let m = 0; m < messages; m += 1) {
      await clientSays(stack.url, channel.token, String(8100 + 10 * i + m), { text: `hello ${i}.${m}` });
    }
  }
  for (const [i, channel] of channels.entries()) {
    for (let m = 0; m < i + 1; m += 1) {
      await replyMatching(stack.url, channel.token, String(8100 + 10 * i + m), `You said: hello ${i}.${m}`);
    }
  }
  // Each shard's worker pollers handled exactly the messages of the channels on that shard.
  expect(stack.pollers.inboundShards.map((p) => p.stats.succeeded)).toEqual(perShard);
});
