/**
 * The door under load, on the real emulators (DESIGN §3 inv. 6, 7, 12): a flood of forged POSTs is
 * refused with no DynamoDB or SQS request at all, and one channel over its admission rate is
 * answered 429 with Retry-After while another channel's deliveries are queued at the same time;
 * our own echo (an `outbox` whose external id carries this channel's MAC) is answered and not queued.
 */
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createChannelAdmission } from '../../../functions/webhook/channel-admission';
import { createWebhookHandler } from '../../../functions/webhook/handler';
import { createWebhookChannelReader } from '../../../functions/webhook/webhook-channel-reader';
import { createCounterBook, observeLogger } from '../../../infra/local/runtime/connector-state';
import { createInboundQueue } from '../../../shared/adapters/sqs/inbound-queue';
import { ownExternalId } from '../../../shared/conversations/own-external-id';
import { inboundQueueMessageSchema } from '../../../shared/domain/queue-messages';
import { logger } from '../../../shared/observability';
import { webhookSecret } from '../../../shared/webhook-url';
import { countingDocumentClient } from '../../support/aws';
import { receiveAll } from '../../support/sqs-driver';
import { makeTestToken } from '../../support/tokens';
import { inboxBody, outboxBody, webhookRequest } from '../../support/webhook-events';
import { type Pipeline, startPipeline } from './pipeline';

type Result = APIGatewayProxyStructuredResultV2;

describe('the webhook door', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline();
  });
  afterAll(async () => {
    await p.close();
  });

  /** The webhook function as composed for Lambda, counting every DynamoDB and SQS request. */
  function door(admission = { ratePerSecond: 1000, burst: 1000 }, now = () => Date.now()) {
    const io = { dynamodb: 0, sqs: 0, ownEchoes: 0 };
    const inbound = createInboundQueue({ client: p.queues.client, queueUrl: p.queues.inboundUrl });
    const handler = createWebhookHandler({
      webhookSecretKey: p.webhookKey,
      inboundQueue: {
        enqueue: (message, routing) => {
          io.sqs += 1;
          return inbound.enqueue(message, routing);
        },
      },
      channels: createWebhookChannelReader({
        client: countingDocumentClient(p.documentClient, () => {
          io.dynamodb += 1;
        }),
        tableName: p.table.name,
        cacheTtlMs: 30_000,
      }),
      admission: createChannelAdmission({ ...admission, now }),
      onOwnEcho: () => {
        io.ownEchoes += 1;
      },
    });
    return {
      io,
      post: async (...args: Parameters<typeof webhookRequest>) =>
        (await handler(webhookRequest(...args))) as Result,
    };
  }

  const queuedGroups = async () =>
    (await receiveAll(p.queues.inboundUrl, p.queues.client)).map(
      (m) => inboundQueueMessageSchema.parse(JSON.parse(m.Body ?? '')).channelId,
    );

  it('a flood of forged POSTs costs no I/O, and a genuine delivery during it is queued', async () => {
    const { channel, secret } = await p.addChannel();
    const { io, post } = door();
    const forged = (i: number) =>
      post({
        // Random secrets of the right shape, for the genuine channel's id and for made-up ones.
        channelId: i % 2 === 0 ? channel.id : `ch-${randomBytes(6).toString('hex')}`,
        secret: `${1 + (i % 3)}.${randomBytes(32).toString('base64url').slice(0, 43)}`,
        body: inboxBody({ client_id: 40 }),
      });
    const flood: Promise<Result>[] = [];
    const genuine: Promise<Result>[] = [];
    for (let i = 0; i < 2000; i += 1) {
      flood.push(forged(i));
      if (i % 500 === 250)
        genuine.push(post({ channelId: channel.id, secret, body: inboxBody({ client_id: 41 }) }));
    }
    const forgedResults = await Promise.all(flood);
    expect(new Set(forgedResults.map((r) => r.statusCode))).toEqual(new Set([404]));
    expect((await Promise.all(genuine)).map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
    // Every request seen by DynamoDB or SQS is a genuine delivery's: its channel read (a miss each
    // while they run concurrently in this one process, then the cache) and its one message.
    expect(io.dynamodb).toBeGreaterThanOrEqual(1);
    expect(io.dynamodb).toBeLessThanOrEqual(4);
    expect(io.sqs).toBe(4);
    expect(await queuedGroups()).toEqual([channel.id, channel.id, channel.id, channel.id]);
  });

  it('one channel over its admission rate gets 429 + Retry-After; another channel is queued meanwhile', async () => {
    let clock = 1_000_000;
    const { io, post } = door({ ratePerSecond: 2, burst: 5 }, () => clock);
    const a = await p.addChannel({ token: makeTestToken('flooding') });
    const b = await p.addChannel({ token: makeTestToken('quiet') });
    const toA = () =>
      post({
        channelId: a.channel.id,
        secret: a.secret,
        body: inboxBody({ client_id: 50 }),
        signWith: a.channel.token,
      });
    const toB = () => post({ channelId: b.channel.id, secret: b.secret, body: inboxBody({ client_id: 51 }) });

    const results: Array<['A' | 'B', Result]> = [];
    for (let i = 0; i < 20; i += 1) {
      results.push(['A', await toA()]);
      if (i % 4 === 0) results.push(['B', await toB()]);
    }
    const ofA = results.filter(([who]) => who === 'A').map(([, r]) => r);
    const ofB = results.filter(([who]) => who === 'B').map(([, r]) => r);
    expect(ofA.filter((r) => r.statusCode === 200)).toHaveLength(5); // the burst
    const refused = ofA.filter((r) => r.statusCode === 429);
    expect(refused).toHaveLength(15);
    for (const r of refused) {
      expect(r.headers?.['retry-after']).toBe('1');
      expect(JSON.parse(String(r.body))).toMatchObject({
        ok: false,
        error: { code: 'CHANNEL_RATE_LIMITED' },
      });
    }
    expect(ofB.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
    expect(io.sqs).toBe(10); // nothing sent to the queue for a refused delivery
    const queued = await queuedGroups();
    expect(queued.filter((id) => id === a.channel.id)).toHaveLength(5);
    expect(queued.filter((id) => id === b.channel.id)).toHaveLength(5);

    // The bucket refills: after Retry-After, A is admitted again.
    clock += 1000;
    expect((await toA()).statusCode).toBe(200);
    await queuedGroups();
  });

  it('only authenticated deliveries count: forged secrets and bad signatures leave the bucket untouched', async () => {
    const { post } = door({ ratePerSecond: 1, burst: 2 }, () => 5_000_000);
    const a = await p.addChannel({ token: makeTestToken('guarded') });
    for (let i = 0; i < 10; i += 1) {
      const wrongSecret = await post({
        channelId: a.channel.id,
        secret: webhookSecret('not-our-key', a.channel.id, 1),
        body: inboxBody(),
      });
      const badSignature = await post({
        channelId: a.channel.id,
        secret: a.secret,
        body: inboxBody(),
        signWith: makeTestToken(),
      });
      expect([wrongSecret.statusCode, badSignature.statusCode]).toEqual([404, 401]);
    }
    const genuine = [
      await post({ channelId: a.channel.id, secret: a.secret, body: inboxBody(), signWith: a.channel.token }),
    ];
    genuine.push(
      await post({ channelId: a.channel.id, secret: a.secret, body: inboxBody(), signWith: a.channel.token }),
    );
    genuine.push(
      await post({ channelId: a.channel.id, secret: a.secret, body: inboxBody(), signWith: a.channel.token }),
    );
    expect(genuine.map((r) => r.statusCode)).toEqual([200, 200, 429]);
    expect(await queuedGroups()).toHaveLength(2);
  });

  it('our own echo is answered 200 and not queued, counted; a look-alike or another hook type is queued', async () => {
    const { channel, secret } = await p.addChannel({ token: makeTestToken('echoes') });
    const other = await p.addChannel({ token: makeTestToken('echoes-other') });
    const book = createCounterBook();
    const unobserve = observeLogger(logger, book);
    const { io, post } = door();
    // The Chat2Desk message ids queued (an outbox that may be a takeover is queued twice, in two groups).
    const queuedMessageIds = async () => [
      ...new Set(
        (await receiveAll(p.queues.inboundUrl, p.queues.client)).map(
          (m) =>
            (
              JSON.parse(inboundQueueMessageSchema.parse(JSON.parse(m.Body ?? '')).body) as {
                message_id: number;
              }
            ).message_id,
        ),
      ),
    ];
    const ours = ownExternalId(p.webhookKey, channel.id, 'send:4b1c2d3e:0');
    const offByOne = `${ours.slice(0, -1)}${ours.endsWith('A') ? 'B' : 'A'}`;
    const echoes = [
      outboxBody({ client_id: 60, external_id: ours }),
      outboxBody({ client_id: 60, extra_data: { external_id: offByOne } }),
      outboxBody({
        client_id: 60,
        extra_data: { external_id: ownExternalId(p.webhookKey, channel.id, 'e1:0#1') },
      }),
    ];
    const results: Result[] = [];
    try {
      results.push(await post({ channelId: channel.id, secret, body: echoes[0]! }));
      results.push(await post({ channelId: channel.id, secret, body: echoes[1]! }));
      // Signed by Chat2Desk too.
      results.push(await post({ channelId: channel.id, secret, body: echoes[2]!, signWith: channel.token }));
    } finally {
      unobserve();
    }
    expect(results.map((r) => [r.statusCode, JSON.parse(String(r.body))])).toEqual([
      [200, { ok: true }],
      [200, { ok: true }],
      [200, { ok: true }],
    ]);
    // The second carries a MAC one character off: not ours, queued for the worker.
    expect(io.ownEchoes).toBe(2);
    expect(book.snapshot()[channel.id]?.skipped).toEqual({ OwnEcho: 2 });
    expect(await queuedMessageIds()).toEqual([echoes[1]!.message_id]);

    // Not provably ours: queued for the worker as before.
    const notOurs = [
      outboxBody({ client_id: 61, external_id: 'send:xyz' }), // another integration's id
      outboxBody({ client_id: 61, external_id: ownExternalId(p.webhookKey, other.channel.id, 'send:1:0') }),
      outboxBody({ client_id: 61, external_id: `${channel.id}:e2:0` }), // made before the MAC
      outboxBody({ client_id: 61 }), // no external id (the `minimal` profile)
      inboxBody({ client_id: 61, external_id: ours }), // not an outbox
      // A messenger's refusal of our message: the worker reports it by this id.
      inboxBody({ client_id: 61, hook_type: 'outbox_status', status: 'error', external_id: ours }),
    ];
    for (const body of notOurs) {
      // Signed: from the first signed delivery on, the channel refuses unsigned ones.
      expect((await post({ channelId: channel.id, secret, body, signWith: channel.token })).statusCode).toBe(
        200,
      );
    }
    expect(io.ownEchoes).toBe(2);
    expect(await queuedMessageIds()).toEqual(notOurs.map((b) => b.message_id));
  });
});
