/**
 * R7 webhook fuzzing: RUNS generated requests (fast-check, fixed seed) against the real webhook
 * handler with a real fauxqs inbound queue and DynamoDB Local (for signature tokens):
 * - never a 5xx;
 * - forged URL secrets (random, mutated, made with another key, another channel's) and forged
 *   signatures (random, wrong token, other body, other timestamp, half-signed, stripped from a
 *   channel whose deliveries are signed) are 100% rejected;
 * - malformed bodies (not JSON, not an object, oversize) and odd paths are rejected;
 * - nothing rejected is queued: at the end the queue holds exactly the valid control requests
 *   (≈2% of the runs, each with a unique message id), counted with ApproximateNumberOfMessages.
 *
 * Default RUNS = 10,000; RELIABILITY_SCALE scales it; FUZZ_SEED picks another seed.
 */
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import fc from 'fast-check';
import { createWebhookHandler } from '../../functions/webhook/handler';
import { createWebhookChannelReader } from '../../functions/webhook/webhook-channel-reader';
import { createInboundQueue } from '../../shared/adapters/sqs/inbound-queue';
import { webhookSecret } from '../../shared/webhook-url';
import { createTestTable, type TestTable, testDocumentClient } from '../support/aws';
import { storeTestChannel, testChannel } from '../support/channels';
import { createTestQueues, queueDepth, type TestQueues } from '../support/queues';
import { makeTestToken, TEST_TOKEN_MARKER } from '../support/tokens';
import { inboxBody, newMessageId, signChat2Desk, webhookRequest } from '../support/webhook-events';
import { drillTimeout, figure, scaled } from './support/world';

const RUNS = scaled(10_000);
const SEED = Number(process.env.FUZZ_SEED ?? '20261126');

type Kind =
  | 'wrongSecret'
  | 'mutatedSecret'
  | 'otherKeySecret'
  | 'otherChannelSecret'
  | 'forgedSignature'
  | 'halfSigned'
  | 'strippedSignature'
  | 'badBody'
  | 'oddPath'
  | 'valid';

interface FuzzCase {
  kind: Kind;
  event: APIGatewayProxyEventV2;
}

describe('R7 webhook fuzzing', () => {
  let table: TestTable;
  let queues: TestQueues;
  const key = `fuzz-key-${randomBytes(16).toString('hex')}`;
  const token = makeTestToken('fuzz');
  const channelId = `ch-${randomBytes(6).toString('hex')}`;
  const otherChannelId = `ch-${randomBytes(6).toString('hex')}`;
  let handler: ReturnType<typeof createWebhookHandler>;

  beforeAll(async () => {
    table = await createTestTable();
    queues = await createTestQueues();
    const documentClient = testDocumentClient();
    for (const id of [channelId, otherChannelId]) {
      const channel = testChannel({
        id,
        agentId: 'agent-fuzz',
        name: 'Fuzz',
        token: id === channelId ? token : makeTestToken('fuzz-other'),
        // Its deliveries are signed: an unsigned one is a stripped signature.
        signedSince: new Date().toISOString(),
      });
      await storeTestChannel(documentClient, table.name, channel);
    }
    handler = createWebhookHandler({
      webhookSecretKey: key,
      inboundQueue: createInboundQueue({ client: queues.client, queueUrl: queues.inboundUrl }),
      channels: createWebhookChannelReader({
        client: documentClient,
        tableName: table.name,
        cacheTtlMs: 600_000,
      }),
    });
  });
  afterAll(async () => {
    await queues?.drop();
    await table?.drop();
  });

  test(
    `${RUNS} fuzzed requests → 0 5xx, forged ones 100% rejected, nothing invalid queued`,
    async () => {
      const secret = webhookSecret(key, channelId, 1);
      const anyBody = fc.oneof(
        fc.constant(null).map(() => JSON.stringify(inboxBody({ message_id: newMessageId() }))),
        fc.string({ maxLength: 200 }),
        fc.json({ maxDepth: 3 }),
      );
      const randomSecret = fc.oneof(
        fc.string({ maxLength: 200 }),
        fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
        fc.constant(''),
      );
      const mutate = (s: string) =>
        fc
          .tuple(fc.nat({ max: s.length - 1 }), fc.constantFrom('A', 'b', '0', '_', '-', '%'), fc.boolean())
          .map(([i, c, truncate]) =>
            truncate ? s.slice(0, i) : `${s.slice(0, i)}${s[i] === c ? 'Z' : c}${s.slice(i + 1)}`,
          )
          .filter((m) => m !== s);
      const validBody = () => JSON.stringify(inboxBody({ message_id: newMessageId(), client_id: 42 }));
      const timestamp = () => String(Math.floor(Date.now() / 1000));

      const cases: fc.Arbitrary<FuzzCase>[] = [
        fc
          .tuple(fc.oneof(fc.constant(channelId), fc.string({ maxLength: 140 })), randomSecret, anyBody)
          .filter(([, s]) => s !== secret)
          .map(([id, s, body]) => ({
            kind: 'wrongSecret',
            event: webhookRequest({ channelId: id, secret: s, body }),
          })),
        mutate(secret).map((s) => ({
          kind: 'mutatedSecret',
          event: webhookRequest({ channelId, secret: s, body: validBody() }),
        })),
        fc.string({ minLength: 1, maxLength: 40 }).map((otherKey) => ({
          kind: 'otherKeySecret',
          event: webhookRequest({
            channelId,
            secret: webhookSecret(`${key}${otherKey}`, channelId, 1),
            body: validBody(),
          }),
        })),
        fc.constant(null).map(() => ({
          kind: 'otherChannelSecret',
          event: webhookRequest({
            channelId,
            secret: webhookSecret(key, otherChannelId, 1),
            body: validBody(),
          }),
        })),
        fc
          .oneof(
            fc.stringMatching(/^[0-9a-f]{0,80}$/).map((sig) => ({ sig, ts: timestamp(), body: validBody() })),
            fc.constant(null).map(() => {
              const body = validBody();
              const ts = timestamp();
              return { sig: signChat2Desk(makeTestToken('forger'), body, ts), ts, body };
            }),
            fc.constant(null).map(() => {
              const ts = timestamp();
              return { sig: signChat2Desk(token, validBody(), ts), ts, body: validBody() };
            }),
            fc.integer({ min: 1, max: 100_000 }).map((shift) => {
              const body = validBody();
              const ts = timestamp();
              return { sig: signChat2Desk(token, body, ts), ts: String(Number(ts) - shift), body };
            }),
          )
          .map(({ sig, ts, body }) => ({
            kind: 'forgedSignature' as const,
            event: webhookRequest({
              channelId,
              secret,
              body,
              headers: { 'X-Signature': sig || 'x', 'X-Timestamp': ts },
            }),
          })),
        fc.boolean().map((keepSignature) => {
          const body = validBody();
          const ts = timestamp();
          const headers: Record<string, string> = keepSignature
            ? { 'x-signature': signChat2Desk(token, body, ts) }
            : { 'x-timestamp': ts };
          return { kind: 'halfSigned', event: webhookRequest({ channelId, secret, body, headers }) };
        }),
        fc
          .oneof(
            fc.string({ maxLength: 300 }).filter((s) => {
              try {
                const v = JSON.parse(s);
                return v === null || typeof v !== 'object' || Array.isArray(v);
              } catch {
                return true;
              }
            }),
            fc
              .jsonValue({ maxDepth: 2 })
              .filter((v) => v === null || typeof v !== 'object' || Array.isArray(v))
              .map((v) => JSON.stringify(v)),
            fc.constantFrom(256 * 1024 + 1, 300_000).map((size) => `{"text":"${'x'.repeat(size)}"}`),
          )
          .map((body) => ({ kind: 'badBody', event: webhookRequest({ channelId, secret, body }) })),
        fc
          .tuple(
            fc.constantFrom(
              `/webhooks/chat2desk/${channelId}`,
              `/webhooks/chat2desk/${channelId}/${secret}/extra`,
              `/webhooks/chat2desk/${channelId}%2F${secret}`,
              `/webhooks/chat2desk/%E0%A4%A/${secret}`,
              '/webhooks/chat2desk//',
              `/webhook/chat2desk/${channelId}/${secret}`,
              '/',
            ),
            anyBody,
          )
          .map(([rawPath, body]) => {
            const event = webhookRequest({ channelId, secret, body, omitPathParameters: true });
            event.rawPath = rawPath;
            event.requestContext.http.path = rawPath;
            return { kind: 'oddPath', event };
          }),
      ];
      cases.push(
        fc.constant(null).map(() => ({
          kind: 'strippedSignature',
          event: webhookRequest({ channelId, secret, body: validBody() }),
        })),
      );
      const validCase: fc.Arbitrary<FuzzCase> = fc.constant(null).map(() => ({
        kind: 'valid',
        event: webhookRequest({ channelId, secret, body: validBody(), signWith: token }),
      }));
      const arbitrary = fc.oneof(...cases.map((arbitrary) => ({ arbitrary, weight: 49 })), {
        arbitrary: validCase,
        weight: 8,
      });

      const byKind = new Map<Kind, { total: number; rejected: number; statuses: Set<number> }>();
      let fiveXx = 0;
      let tokenInResponse = 0;
      await fc.assert(
        fc.asyncProperty(arbitrary, async ({ kind, event }) => {
          const result = (await handler(event)) as APIGatewayProxyStructuredResultV2;
          const status = result.statusCode ?? 200;
          const entry = byKind.get(kind) ?? { total: 0, rejected: 0, statuses: new Set<number>() };
          entry.total += 1;
          entry.statuses.add(status);
          if (status !== 200) entry.rejected += 1;
          byKind.set(kind, entry);
          if (status >= 500) fiveXx += 1;
          if (String(result.body ?? '').includes(TEST_TOKEN_MARKER)) tokenInResponse += 1;
          if (status >= 500) return false;
          return kind === 'valid' ? status === 200 : status >= 400 && status < 500;
        }),
        { numRuns: RUNS, seed: SEED },
      );

      const queued = await queueDepth(queues.client, queues.inboundUrl);
      const valid = byKind.get('valid')?.total ?? 0;
      const invalidTotal = [...byKind.entries()]
        .filter(([k]) => k !== 'valid')
        .reduce((n, [, e]) => n + e.total, 0);
      const forged = (
        [
          'wrongSecret',
          'mutatedSecret',
          'otherKeySecret',
          'otherChannelSecret',
          'forgedSignature',
          'halfSigned',
          'strippedSignature',
        ] as Kind[]
      )
        .map((k) => byKind.get(k) ?? { total: 0, rejected: 0, statuses: new Set<number>() })
        .reduce((acc, e) => ({ total: acc.total + e.total, rejected: acc.rejected + e.rejected }), {
          total: 0,
          rejected: 0,
        });
      const detail = [...byKind.entries()]
        .map(([k, e]) => `${k}=${e.rejected}/${e.total}[${[...e.statuses].sort().join(',')}]`)
        .join(' ');
      figure(
        `R7 fuzz: requests=${RUNS} seed=${SEED} 5xx=${fiveXx} invalid=${invalidTotal} queuedInvalid=${queued - valid} forgedRejected=${forged.rejected}/${forged.total} validControls=${valid} queued=${queued} | ${detail}`,
      );
      expect(fiveXx).toBe(0);
      expect(tokenInResponse).toBe(0);
      expect(forged.rejected).toBe(forged.total);
      expect(valid).toBeGreaterThan(0);
      expect(queued).toBe(valid);
    },
    drillTimeout(120_000),
  );
});
