/**
 * DESIGN §3 inv. 2 and 10 against a lagging replica: DynamoDB's eventually consistent reads may
 * answer the channel as it was before its activation. A refusal (unknown, inactive, an older
 * generation) is confirmed with a consistent read before it is believed, so the first message after
 * an activation is queued by the webhook and reaches the agent.
 */
import { toChannelItem } from '../../../shared/adapters/dynamodb/channel-item';
import { keys } from '../../../shared/adapters/dynamodb/table-definition';
import { staleReadsDocumentClient } from '../../support/aws';
import { storeTestChannel, testChannel } from '../../support/channels';
import { makeTestToken } from '../../support/tokens';
import { inboxBody } from '../../support/webhook-events';
import { type Pipeline, startPipeline } from './pipeline';

describe.each([
  ['the webhook', 'webhook'],
  ['the worker', 'worker'],
  ['both readers', 'both'],
] as const)('stale eventually consistent channel reads in %s', (_name, where) => {
  const stale = new Map<string, Record<string, unknown> | undefined>();
  const lagging = (client: Parameters<typeof staleReadsDocumentClient>[0]) =>
    staleReadsDocumentClient(client, stale);
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({
      ...(where !== 'worker' ? { wrapWebhookReads: lagging } : {}),
      ...(where !== 'webhook' ? { wrapWorkerReads: lagging } : {}),
    });
  });
  afterAll(async () => {
    await p.close();
  });
  beforeEach(() => {
    stale.clear();
    p.agent.reset();
  });

  it('the first message after an activation is accepted and reaches the agent', async () => {
    const inactive = testChannel({ token: makeTestToken('stale'), status: 'inactive', generation: 1 });
    await storeTestChannel(p.documentClient, p.table.name, inactive);
    stale.set(keys.channel(inactive.id), toChannelItem(inactive));
    const { channel, secret } = await p.addChannel({
      ...inactive,
      status: 'active',
      generation: 2,
      version: 2,
    });

    const res = await p.post(
      channel.id,
      secret,
      inboxBody({ client_id: 301, text: 'first after activation' }),
    );
    expect(res.statusCode).toBe(200);
    await p.drainInbound();
    expect(p.agent.events.map((e) => e.event.clientMessage)).toEqual(['first after activation']);
  });

  it('the first message of a channel just created is not refused as unknown', async () => {
    const created = testChannel({ token: makeTestToken('stale'), generation: 1 });
    stale.set(keys.channel(created.id), undefined); // the replica has not seen the item yet
    const { secret } = await p.addChannel(created);

    const res = await p.post(created.id, secret, inboxBody({ client_id: 302, text: 'hello new channel' }));
    expect(res.statusCode).toBe(200);
    await p.drainInbound();
    expect(p.agent.events.map((e) => e.event.clientMessage)).toEqual(['hello new channel']);
  });
});
