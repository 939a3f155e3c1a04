/**
 * R4 Chat2Desk misbehaving on the send path:
 * - storms: the account's rate limit answers 429 `Number of API requests exceeded` all along
 *   (the sandbox allows RATE/s while the connector is configured for far more), and a stretch of
 *   5xx and dropped connections hits POST /v1/messages (before the message is stored) → every
 *   reply delivered, exactly once;
 * - a permanent 4xx (the account rejects the message) → the reply ends in the outbound DLQ, and
 *   the log line of its last failure carries the reason (kind, code, Chat2Desk's message).
 *
 * Default N = 100 replies; RELIABILITY_SCALE scales N.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { outboundQueueMessageSchema } from '../../shared/domain/queue-messages';
import { countBy, drillTimeout, figure, scaled, startWorld, type World } from './support/world';

const N = scaled(100);
const CLIENTS = 20;
const RATE = Number(process.env.R4_SANDBOX_RATE ?? '5');
const LOG_FILE = join(
  __dirname,
  '..',
  '..',
  'test-output',
  'logs',
  `worker-${process.env.JEST_WORKER_ID ?? '0'}-${process.pid}.log`,
);

describe('R4 Chat2Desk 429 and 5xx storms, permanent 4xx', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({
      events: ['inbox'],
      maxReceiveCount: 4,
      // Above what one record may take under a 429 storm (up to 10 tries, 20 s of waiting), as
      // the world requires: else a second poller takes a record still being retried and sends it too.
      visibilityTimeoutSeconds: 25,
      sandbox: { rateLimitPerSecond: RATE },
    });
  });
  afterAll(async () => {
    await world?.stop();
  });

  test(
    `${N} replies through 429 and 5xx storms → 0 lost, 0 duplicates`,
    async () => {
      const sendPath = /^\/v1\/messages$/;
      world.sandbox.faults.inject({ method: 'POST', path: sendPath, status: 503, times: 15 });
      world.sandbox.faults.inject({ method: 'POST', path: sendPath, status: 500, times: 10 });
      world.sandbox.faults.inject({ method: 'POST', path: sendPath, status: 502, times: 5 });
      world.sandbox.faults.inject({ method: 'POST', path: sendPath, hangup: true, times: 5 });
      const texts: string[] = [];
      await Promise.all(
        Array.from({ length: CLIENTS }, async (_, c) => {
          for (let i = c; i < N; i += CLIENTS) {
            texts.push(`r4-${i}`);
            await world.clientWrites(String(8001 + c), `r4-${i}`);
          }
        }),
      );
      await world.settle({ until: () => world.acceptedSends() >= N, timeoutMs: 180_000 });

      const sends = world.sandbox.requests.filter((r) => r.method === 'POST' && r.path === '/v1/messages');
      const statuses = countBy(sends, (r) => String(r.status));
      const received = new Map<string, number>();
      for (let c = 0; c < CLIENTS; c += 1) {
        for (const m of world.botMessages(String(8001 + c)))
          received.set(m.text ?? '', (received.get(m.text ?? '') ?? 0) + 1);
      }
      const lost = texts.filter((t) => !received.has(`echo: ${t}`)).length;
      const duplicated = [...received.values()].filter((n) => n > 1).length;
      figure(
        `R4 storms: N=${N} sendAttempts=${sends.length} statuses=${JSON.stringify(Object.fromEntries(statuses))} delivered=${received.size} lost=${lost} duplicates=${duplicated} outboundDLQ=${await world.depth(world.queues.outboundDlqUrl)}`,
      );
      expect(statuses.get('429') ?? 0).toBeGreaterThan(0);
      expect((statuses.get('503') ?? 0) + (statuses.get('500') ?? 0)).toBe(25);
      expect(lost).toBe(0);
      expect(duplicated).toBe(0);
      expect(world.acceptedSends()).toBe(N);
      expect(await world.depth(world.queues.outboundDlqUrl)).toBe(0);
      expect(await world.depth(world.queues.inboundDlqUrl)).toBe(0);
    },
    drillTimeout(200_000),
  );

  test(
    'a permanent 4xx → the reply is in the outbound DLQ and its reason is logged',
    async () => {
      world.sandbox.faults.clear();
      world.sandbox.faults.inject({
        method: 'POST',
        path: /^\/v1\/messages$/,
        status: 400,
        body: {
          status: 'error',
          message: 'Message rejected by the account',
          errors: { text: ['blocked word'] },
        },
      });
      await world.clientWrites('8999', 'doomed');
      await world.settle({
        until: async () => (await world.depth(world.queues.outboundDlqUrl)) > 0,
        timeoutMs: 90_000,
      });
      world.sandbox.faults.clear();
      const dlq = await world.drainDlq(world.queues.outboundDlqUrl);
      expect(dlq).toHaveLength(1);
      const message = outboundQueueMessageSchema.parse(JSON.parse(dlq[0]!));
      expect(message.target.clientId).toBe('8999');
      const reasonLines = existsSync(LOG_FILE)
        ? readFileSync(LOG_FILE, 'utf8')
            .split('\n')
            .filter((l) => l.includes('"reply not delivered"') && l.includes(message.replyId))
            .map((l) => JSON.parse(l) as { kind?: string; code?: string; reason?: string })
        : [];
      const last = reasonLines.at(-1);
      figure(
        `R4 permanent 4xx: outboundDLQ=${dlq.length} attempts=${reasonLines.length} reason=${JSON.stringify({ kind: last?.kind, code: last?.code, reason: last?.reason })}`,
      );
      expect(last).toMatchObject({ kind: 'permanent', code: 'CHAT2DESK_REJECTED' });
      expect(last?.reason).toContain('Message rejected by the account');
      expect(world.botMessages('8999')).toHaveLength(0);
    },
    drillTimeout(120_000),
  );
});
