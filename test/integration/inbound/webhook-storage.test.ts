/**
 * DESIGN §3 inv. 1, 6, 7 on the real emulators: a 200 means the event is already on the inbound
 * queue; a queue that refuses means 503; signatures are checked with the channel's stored token.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createWebhookHandler } from '../../../functions/webhook/handler';
import { createWebhookChannelReader } from '../../../functions/webhook/webhook-channel-reader';
import { keys } from '../../../shared/adapters/dynamodb/table-definition';
import { createInboundQueue } from '../../../shared/adapters/sqs/inbound-queue';
import { inboundQueueMessageSchema } from '../../../shared/domain/queue-messages';
import { receiveAll } from '../../support/sqs-driver';
import { makeTestToken } from '../../support/tokens';
import { fixedWebhookChannel, inboxBody, webhookRequest } from '../../support/webhook-events';
import { type Pipeline, startPipeline } from './pipeline';

describe('webhook storage on the emulators', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline();
  });
  afterAll(async () => {
    await p.close();
  });

  it('the event is on the inbound queue when the 200 is returned', async () => {
    const { channel, secret } = await p.addChannel();
    const body = inboxBody({ client_id: 11 });
    const res = await p.post(channel.id, secret, body);
    expect(res.statusCode).toBe(200);
    const messages = await receiveAll(p.queues.inboundUrl, p.queues.client);
    expect(messages).toHaveLength(1);
    const queued = inboundQueueMessageSchema.parse(JSON.parse(messages[0]!.Body!));
    expect(queued).toMatchObject({ v: 1, channelId: channel.id, generation: 1, body: JSON.stringify(body) });
    expect(messages[0]!.Attributes?.MessageGroupId).toBe(`${channel.id}:11`);
  });

  it('a queue that does not take the event → 503', async () => {
    const { channel, secret } = await p.addChannel();
    const broken = createWebhookHandler({
      webhookSecretKey: p.webhookKey,
      inboundQueue: createInboundQueue({
        client: p.queues.client,
        queueUrl: `${p.queues.inboundUrl}-missing`,
      }),
      channels: fixedWebhookChannel({ generation: 1 }),
    });
    const res = await broken(webhookRequest({ channelId: channel.id, secret, body: inboxBody() }));
    expect(res).toMatchObject({ statusCode: 503 });
  });

  it('checks signatures with the token stored on the channel', async () => {
    const { channel, secret } = await p.addChannel();
    const good = await p.webhook(
      webhookRequest({
        channelId: channel.id,
        secret,
        body: inboxBody({ client_id: 12 }),
        signWith: channel.token,
      }),
    );
    const bad = await p.webhook(
      webhookRequest({
        channelId: channel.id,
        secret,
        body: inboxBody({ client_id: 13 }),
        signWith: makeTestToken(),
      }),
    );
    expect([good, bad].map((r) => (r as { statusCode: number }).statusCode)).toEqual([200, 401]);
    const messages = await receiveAll(p.queues.inboundUrl, p.queues.client);
    expect(messages.map((m) => m.Attributes?.MessageGroupId)).toEqual([`${channel.id}:12`]);
  });

  it('the channel reader caches lookups, misses included; a fresh read sees a change at once', async () => {
    let now = 0;
    const reader = createWebhookChannelReader({
      client: p.documentClient,
      tableName: p.table.name,
      cacheTtlMs: 1000,
      now: () => now,
    });
    const { channel } = await p.addChannel();
    expect((await reader.read(channel.id)).state).toMatchObject({ token: channel.token, active: true });
    expect(await reader.read('ch-unknown')).toEqual({ state: undefined, cached: false });
    expect(await reader.read('ch-unknown')).toEqual({ state: undefined, cached: true });
    const rotated = makeTestToken('rotated');
    await p.addChannel({ ...channel, token: rotated });
    expect((await reader.read(channel.id)).state?.token).toBe(channel.token);
    expect((await reader.read(channel.id, { fresh: true })).state?.token).toBe(rotated);
    now = 2000;
    expect(await reader.read(channel.id)).toMatchObject({ state: { token: rotated }, cached: false });
  });

  it('the first signed delivery is recorded on the channel; unsigned ones are refused from then on', async () => {
    const { channel, secret } = await p.addChannel();
    const post = (signWith?: string) =>
      p.webhook(
        webhookRequest({
          channelId: channel.id,
          secret,
          body: inboxBody(),
          ...(signWith ? { signWith } : {}),
        }),
      );
    expect(await post()).toMatchObject({ statusCode: 200 });
    expect(await post(channel.token)).toMatchObject({ statusCode: 200 });
    expect(await post()).toMatchObject({ statusCode: 401 });
    const stored = await p.documentClient.send(
      new GetCommand({
        TableName: p.table.name,
        Key: { pk: keys.channel(channel.id) },
        ConsistentRead: true,
      }),
    );
    expect(stored.Item?.signedSince).toEqual(expect.any(String));
    expect(stored.Item?.version).toBe(channel.version); // not a management change
    await receiveAll(p.queues.inboundUrl, p.queues.client);
  });
});
