/**
 * The webhook function in process, with an in-memory queue: the order of checks, status codes,
 * signatures, and property-based fuzzing (never a 5xx for client mistakes, nothing queued for
 * invalid input or a wrong secret).
 */

import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import fc from 'fast-check';
import { createWebhookHandler } from '../../../functions/webhook/handler';
import type {
  WebhookChannelReader,
  WebhookChannelState,
} from '../../../functions/webhook/webhook-channel-reader';
import type { InboundQueue, InboundQueueRouting } from '../../../shared/adapters/sqs/inbound-queue';
import type { InboundQueueMessage } from '../../../shared/domain/queue-messages';
import { webhookSecret } from '../../../shared/webhook-url';
import { makeTestToken } from '../../support/tokens';
import { inboxBody, signChat2Desk, webhookRequest } from '../../support/webhook-events';

const KEY = 'unit-webhook-key-0123456789abcdef';
const CHANNEL = 'ch-unit';
const SECRET = webhookSecret(KEY, CHANNEL, 3);
const TOKEN = makeTestToken('webhook');
/** The function's clock: the real one (signed deliveries are stamped with it), to the second. */
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const unixSeconds = (ms: number) => String(Math.floor(ms / 1000));

interface StoredState {
  token: string;
  active: boolean;
  generation: number;
  requireSignature: boolean;
  signedSince?: string;
}

interface Harness {
  queued: Array<{ message: InboundQueueMessage; routing: InboundQueueRouting }>;
  handler: ReturnType<typeof createWebhookHandler>;
  /** The table: what a fresh read answers. */
  table: Map<string, StoredState>;
  /** What the process cached (served until `fresh` is asked for). */
  cache: Map<string, WebhookChannelState | undefined>;
  reads: number;
  freshReads: number;
  unsignedRefused: number;
  failQueue: boolean;
}

const stateOf = (stored: StoredState | undefined): WebhookChannelState | undefined =>
  stored && {
    token: stored.token,
    active: stored.active,
    generation: stored.generation,
    signatureRequired: stored.requireSignature || stored.signedSince !== undefined,
    signedSeen: stored.signedSince !== undefined,
  };

function harness(): Harness {
  const h: Harness = {
    queued: [],
    table: new Map([[CHANNEL, { token: TOKEN, active: true, generation: 3, requireSignature: false }]]),
    cache: new Map(),
    reads: 0,
    freshReads: 0,
    unsignedRefused: 0,
    failQueue: false,
    handler: undefined as never,
  };
  const queue: InboundQueue = {
    async enqueue(message, routing) {
      if (h.failQueue) throw new Error('SQS is down');
      h.queued.push({ message, routing });
    },
  };
  const channels: WebhookChannelReader = {
    async read(channelId, options = {}) {
      h.reads += 1;
      if (!options.fresh && h.cache.has(channelId)) return { state: h.cache.get(channelId), cached: true };
      if (options.fresh) h.freshReads += 1;
      const state = stateOf(h.table.get(channelId));
      h.cache.set(channelId, state);
      return { state, cached: false };
    },
    async markSigned(channelId, generation, at) {
      const stored = h.table.get(channelId);
      if (stored && stored.generation === generation) stored.signedSince ??= at;
      h.cache.set(channelId, stateOf(stored));
    },
  };
  h.handler = createWebhookHandler({
    webhookSecretKey: KEY,
    inboundQueue: queue,
    channels,
    now: () => NOW,
    onUnsignedRefused: () => {
      h.unsignedRefused += 1;
    },
  });
  return h;
}

async function call(h: Harness, ...args: Parameters<typeof webhookRequest>) {
  const result = (await h.handler(webhookRequest(...args))) as APIGatewayProxyStructuredResultV2;
  return { status: result.statusCode, body: JSON.parse(String(result.body)) as Record<string, unknown> };
}

describe('webhook handler', () => {
  it('queues a valid delivery and answers 200 {ok:true} with the raw body, channel, generation and time', async () => {
    const h = harness();
    const body = inboxBody({ client_id: 42, message_id: 123 });
    const raw = JSON.stringify(body);
    const res = await call(h, { channelId: CHANNEL, secret: SECRET, body: raw });
    expect(res).toEqual({ status: 200, body: { ok: true } });
    expect(h.queued).toEqual([
      {
        message: {
          v: 1,
          channelId: CHANNEL,
          generation: 3,
          receivedAt: NOW.toISOString(),
          body: raw,
        },
        routing: { groupId: `${CHANNEL}:42`, deduplicationId: `${CHANNEL}:inbox:123` },
      },
    ]);
    expect(h.reads).toBe(1);
  });

  it.each([
    ['wrong secret', { channelId: CHANNEL, secret: webhookSecret('other-key', CHANNEL, 3) }],
    ['secret of another channel', { channelId: 'ch-other', secret: SECRET }],
    ['garbage secret', { channelId: CHANNEL, secret: 'x' }],
  ])('%s → 404, nothing queued, no I/O', async (_name, ids) => {
    const h = harness();
    const res = await call(h, { ...ids, body: inboxBody() });
    expect(res.status).toBe(404);
    expect(h.queued).toHaveLength(0);
    expect(h.reads).toBe(0);
  });

  it('the secret is checked before the body: a wrong secret with a bad body is still 404', async () => {
    const h = harness();
    expect((await call(h, { channelId: CHANNEL, secret: 'nope', body: '{oops' })).status).toBe(404);
  });

  it.each([
    ['not JSON', '{"hook_type":', 400],
    ['an array', '[{"hook_type":"inbox"}]', 400],
    ['null', 'null', 400],
    ['a number', '42', 400],
    ['empty', '', 400],
    ['over 256 KB', JSON.stringify({ text: 'x'.repeat(256 * 1024) }), 413],
  ])('a body that is %s → %s, nothing queued', async (_name, raw, status) => {
    const h = harness();
    const res = await call(h, { channelId: CHANNEL, secret: SECRET, body: raw });
    expect(res.status).toBe(status);
    expect(res.body.ok).toBe(false);
    expect(h.queued).toHaveLength(0);
  });

  it('a body that fits 256 KB but not SQS once wrapped is 413, not a 5xx', async () => {
    const h = harness();
    const raw = JSON.stringify({ text: '"'.repeat(200 * 1024) });
    expect((await call(h, { channelId: CHANNEL, secret: SECRET, body: raw })).status).toBe(413);
  });

  it('decodes base64 bodies and falls back to rawPath when there are no path parameters', async () => {
    const h = harness();
    const res = await call(h, {
      channelId: CHANNEL,
      secret: SECRET,
      body: inboxBody({ text: 'Привет' }),
      isBase64Encoded: true,
      omitPathParameters: true,
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(h.queued[0]!.message.body).text).toBe('Привет');
  });

  it.each(['hex', 'raw'] as const)(
    'accepts a Chat2Desk signature keyed with the MD5 as %s',
    async (encoding) => {
      const h = harness();
      const res = await call(h, {
        channelId: CHANNEL,
        secret: SECRET,
        body: inboxBody(),
        signWith: TOKEN,
        signKeyEncoding: encoding,
        // Chat2Desk's last retry (~2 h) carries the first attempt's timestamp.
        timestamp: unixSeconds(NOW.getTime() - 2 * 3600_000 - 10 * 60_000),
      });
      expect(res.status).toBe(200);
      expect(h.queued).toHaveLength(1);
    },
  );

  it.each([
    ['the 2-hour retry, 2 h 59 min old', 200, -(2 * 3600 + 59 * 60) * 1000],
    ['3 h 1 min old', 401, -(3 * 3600 + 60) * 1000],
    ['days old', 401, -5 * 86_400_000],
    ['4 min ahead (clock skew)', 200, 4 * 60_000],
    ['6 min ahead', 401, 6 * 60_000],
  ])('a signed delivery stamped %s → %i', async (_name, status, offsetMs) => {
    const h = harness();
    const res = await call(h, {
      channelId: CHANNEL,
      secret: SECRET,
      body: inboxBody(),
      signWith: TOKEN,
      timestamp: unixSeconds(NOW.getTime() + offsetMs),
    });
    expect(res.status).toBe(status);
    expect(h.queued).toHaveLength(status === 200 ? 1 : 0);
    if (status === 401) {
      expect(res.body).toMatchObject({ error: { code: 'TIMESTAMP_OUT_OF_RANGE' } });
      expect(h.reads).toBe(0); // refused before any I/O
    }
  });

  it('a signed delivery whose timestamp cannot be read is refused; milliseconds and ISO are read', async () => {
    const h = harness();
    const post = (timestamp: string) =>
      call(h, { channelId: CHANNEL, secret: SECRET, body: inboxBody(), signWith: TOKEN, timestamp });
    expect((await post('yesterday')).status).toBe(401);
    expect((await post(String(NOW.getTime() - 60_000))).status).toBe(200);
    expect((await post(new Date(NOW.getTime() - 60_000).toISOString())).status).toBe(200);
    expect((await post(String(NOW.getTime() - 4 * 3600_000))).status).toBe(401);
    expect(h.queued).toHaveLength(2);
  });

  it('an unsigned delivery is not checked for a timestamp', async () => {
    const h = harness();
    expect((await call(h, { channelId: CHANNEL, secret: SECRET, body: inboxBody() })).status).toBe(200);
  });

  it('rejects a bad or half-present signature with 401, nothing queued', async () => {
    const h = harness();
    const wrongToken = await call(h, {
      channelId: CHANNEL,
      secret: SECRET,
      body: inboxBody(),
      signWith: makeTestToken(),
    });
    const raw = JSON.stringify(inboxBody());
    const tampered = await call(h, {
      channelId: CHANNEL,
      secret: SECRET,
      body: raw.replace('Hello', 'Hellp'),
      headers: {
        'x-signature': signChat2Desk(TOKEN, raw, unixSeconds(NOW.getTime())),
        'x-timestamp': unixSeconds(NOW.getTime()),
      },
    });
    const half = await call(h, {
      channelId: CHANNEL,
      secret: SECRET,
      body: raw,
      headers: { 'X-Signature': signChat2Desk(TOKEN, raw, '1') },
    });
    expect([wrongToken.status, tampered.status, half.status]).toEqual([401, 401, 401]);
    expect(h.queued).toHaveLength(0);
  });

  it('a signed request for a channel that no longer exists is 404', async () => {
    const h = harness();
    const secret = webhookSecret(KEY, 'ch-gone', 1);
    const res = await call(h, { channelId: 'ch-gone', secret, body: inboxBody(), signWith: TOKEN });
    expect(res.status).toBe(404);
    expect(h.queued).toHaveLength(0);
  });

  it('once a signed delivery was accepted, unsigned ones are refused (401, counted) and signed ones pass', async () => {
    const h = harness();
    expect((await call(h, { channelId: CHANNEL, secret: SECRET, body: inboxBody() })).status).toBe(200);
    const signed = await call(h, { channelId: CHANNEL, secret: SECRET, body: inboxBody(), signWith: TOKEN });
    expect(signed.status).toBe(200);
    expect(h.table.get(CHANNEL)?.signedSince).toBe(NOW.toISOString());
    const stripped = await call(h, { channelId: CHANNEL, secret: SECRET, body: inboxBody() });
    expect(stripped).toEqual({
      status: 401,
      body: { ok: false, error: { code: 'BAD_SIGNATURE', message: expect.any(String) } },
    });
    expect(h.unsignedRefused).toBe(1);
    expect(
      (await call(h, { channelId: CHANNEL, secret: SECRET, body: inboxBody(), signWith: TOKEN })).status,
    ).toBe(200);
    expect(h.queued).toHaveLength(3);
  });

  it('requireSignature refuses unsigned deliveries from the start', async () => {
    const h = harness();
    h.table.get(CHANNEL)!.requireSignature = true;
    expect((await call(h, { channelId: CHANNEL, secret: SECRET, body: inboxBody() })).status).toBe(401);
    expect(
      (await call(h, { channelId: CHANNEL, secret: SECRET, body: inboxBody(), signWith: TOKEN })).status,
    ).toBe(200);
    expect(h.queued).toHaveLength(1);
    expect(h.unsignedRefused).toBe(1);
  });

  it('a signature that fails against the cached token is checked against the table (token just changed)', async () => {
    const h = harness();
    expect(
      (await call(h, { channelId: CHANNEL, secret: SECRET, body: inboxBody(), signWith: TOKEN })).status,
    ).toBe(200);
    const rotated = makeTestToken('rotated');
    h.table.get(CHANNEL)!.token = rotated;
    const res = await call(h, { channelId: CHANNEL, secret: SECRET, body: inboxBody(), signWith: rotated });
    expect(res.status).toBe(200);
    expect(h.freshReads).toBe(1);
    // The stale token is gone from the cache too.
    expect(
      (await call(h, { channelId: CHANNEL, secret: SECRET, body: inboxBody(), signWith: TOKEN })).status,
    ).toBe(401);
  });

  it('"inactive" from the cache is re-checked: a channel activated a moment ago accepts at once', async () => {
    const h = harness();
    h.table.get(CHANNEL)!.active = false;
    expect((await call(h, { channelId: CHANNEL, secret: SECRET, body: inboxBody() })).status).toBe(404);
    h.table.get(CHANNEL)!.active = true;
    expect((await call(h, { channelId: CHANNEL, secret: SECRET, body: inboxBody() })).status).toBe(200);
    expect(h.queued).toHaveLength(1);
  });

  it('a URL of a newer generation than cached re-reads; an older one is retired: 404, nothing queued', async () => {
    const h = harness();
    expect((await call(h, { channelId: CHANNEL, secret: SECRET, body: inboxBody() })).status).toBe(200);
    h.table.get(CHANNEL)!.generation = 4;
    const newer = webhookSecret(KEY, CHANNEL, 4);
    expect((await call(h, { channelId: CHANNEL, secret: newer, body: inboxBody() })).status).toBe(200);
    expect(h.queued.at(-1)?.message.generation).toBe(4);
    const fresh = h.freshReads;
    expect((await call(h, { channelId: CHANNEL, secret: SECRET, body: inboxBody() })).status).toBe(404);
    expect(h.freshReads).toBe(fresh); // generations only grow: an older URL needs no second look
    const future = webhookSecret(KEY, CHANNEL, 9);
    expect((await call(h, { channelId: CHANNEL, secret: future, body: inboxBody() })).status).toBe(404);
    expect(h.queued).toHaveLength(2);
  });

  it('answers 503 when the queue does not take the event (Chat2Desk retries)', async () => {
    const h = harness();
    h.failQueue = true;
    const res = await call(h, { channelId: CHANNEL, secret: SECRET, body: inboxBody() });
    expect(res).toEqual({
      status: 503,
      body: { ok: false, error: { code: 'QUEUE_UNAVAILABLE', message: expect.any(String) } },
    });
  });

  it('groups by client, then dialog, then request; dedups by hook type + message id, else a body hash', async () => {
    const h = harness();
    const post = (body: Record<string, unknown>) => call(h, { channelId: CHANNEL, secret: SECRET, body });
    await post({ hook_type: 'inbox', message_id: '0099', client_id: '7' });
    await post({ hook_type: 'close_dialog', dialog_id: 5, event_time: 't' });
    await post({ hook_type: 'close_request', request_id: 6, event_time: 't' });
    await post({ hook_type: 'new_qr_code' });
    expect(h.queued.map((q) => q.routing.groupId)).toEqual([
      `${CHANNEL}:7`,
      `${CHANNEL}:dialog:5`,
      `${CHANNEL}:request:6`,
      `${CHANNEL}:misc`,
    ]);
    expect(h.queued[0]!.routing.deduplicationId).toBe(`${CHANNEL}:inbox:99`);
    expect(h.queued[1]!.routing.deduplicationId).toMatch(
      /^[0-9a-f]{64}$|^ch-unit:close_dialog:body:[0-9a-f]{64}$/,
    );
    expect(h.queued[1]!.routing.deduplicationId.length).toBeLessThanOrEqual(128);
  });
});

describe('webhook handler fuzzing', () => {
  const headerArb = fc.dictionary(
    fc.constantFrom('x-signature', 'x-timestamp', 'content-type', 'X-Signature', 'x-other'),
    fc.string({ maxLength: 80 }),
    { maxKeys: 3 },
  );
  const bodyArb = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.json({ maxDepth: 3 }),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
    fc
      .record(
        {
          hook_type: fc.oneof(fc.constantFrom('inbox', 'outbox', 'close_dialog', 'x'), fc.string()),
          message_id: fc.oneof(fc.integer(), fc.string(), fc.constant(null)),
          client_id: fc.oneof(fc.nat(), fc.string({ maxLength: 30 }), fc.constant(null)),
          dialog_id: fc.oneof(fc.nat(), fc.string({ maxLength: 30 }), fc.constant(null)),
          text: fc.string({ maxLength: 100 }),
        },
        { requiredKeys: [] },
      )
      .map((o) => JSON.stringify(o)),
  );

  it('never answers 5xx and queues nothing for a wrong secret or an invalid body (2,000+ runs)', async () => {
    const h = harness();
    await fc.assert(
      fc.asyncProperty(
        bodyArb,
        headerArb,
        fc.boolean(),
        fc.oneof(fc.constant(SECRET), fc.string({ maxLength: 60 })),
        fc.oneof(fc.constant(CHANNEL), fc.string({ maxLength: 20 })),
        async (raw, headers, base64, secret, channelId) => {
          h.queued.length = 0;
          const res = await call(h, { channelId, secret, body: raw, headers, isBase64Encoded: base64 });
          expect(res.status).toBeLessThan(500);
          const genuine = channelId === CHANNEL && secret === SECRET;
          let isObject = false;
          try {
            const parsed = JSON.parse(raw);
            isObject = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed);
          } catch {
            isObject = false;
          }
          if (!genuine || !isObject) {
            expect(h.queued).toHaveLength(0);
            expect(res.status).not.toBe(200);
          }
          if (res.status === 200) expect(h.queued).toHaveLength(1);
          else expect(h.queued).toHaveLength(0);
        },
      ),
      { numRuns: 2500 },
    );
  });

  it('with SQS failing, a valid request is a 503 and every other answer is still below 500', async () => {
    const h = harness();
    h.failQueue = true;
    await fc.assert(
      fc.asyncProperty(bodyArb, async (raw) => {
        const res = await call(h, { channelId: CHANNEL, secret: SECRET, body: raw });
        let isObject = false;
        try {
          const parsed = JSON.parse(raw);
          isObject = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed);
        } catch {
          isObject = false;
        }
        expect(res.status).toBe(isObject ? 503 : 400);
      }),
      { numRuns: 500 },
    );
  });
});
