/**
 * R1 duplicates: N client messages, each delivered 4 times → exactly N agent calls and N reply sets.
 *
 * The 4 deliveries of one message: the sandbox's own signed delivery; two byte-identical replays
 * sent concurrently (Chat2Desk retrying while we are still busy — SQS's dedup id drops them); and
 * one late replay standing for Chat2Desk's 5 min / 2 h retries, past SQS's 5-minute dedup window
 * (so it reaches the worker and only the worker's dedup record and the reply sent-records stop it).
 * Half the late replays arrive while the original is still in the pipeline, half after it settled.
 *
 * Default N = 200 (about 30 s here); RELIABILITY_SCALE=5 runs N = 1,000.
 */
import { TEST_TOKEN_MARKER } from '../support/tokens';
import { countBy, drillTimeout, figure, scaled, startWorld, type World } from './support/world';

const N = scaled(200);
const CLIENTS = Math.min(N, 40);

describe('R1 duplicates', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ events: ['inbox'], pollerConcurrency: 3 });
  });
  afterAll(async () => {
    await world?.stop();
  });

  test(
    `${N} messages × 4 deliveries → ${N} agent calls and ${N} reply sets`,
    async () => {
      const texts: string[] = [];
      const deliveredAt = new Map<string, number>();
      const replays: Promise<number>[] = [];
      for (let i = 0; i < N; i += 1) {
        const clientId = String(1001 + (i % CLIENTS));
        const text = `r1-${i}`;
        texts.push(text);
        await world.clientWrites(clientId, text);
      }
      // Each sandbox delivery is replayed as soon as it has happened.
      const started = Date.now();
      while (deliveredAt.size < N && Date.now() - started < 60_000) {
        for (const delivery of world.sandbox.deliveries) {
          if (delivery.attempt !== 1 || delivery.hookType !== 'inbox' || deliveredAt.has(delivery.body))
            continue;
          deliveredAt.set(delivery.body, Date.now());
          replays.push(world.replay(delivery), world.replay(delivery));
          if (deliveredAt.size % 2 === 0) replays.push(world.lateReplay(delivery));
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(deliveredAt.size).toBe(N);
      expect((await Promise.all(replays)).every((status) => status === 200)).toBe(true);
      await world.settle({ until: () => world.agent.answered().length >= N, timeoutMs: 120_000 });
      // The other half of the late replays: long after the original was answered and sent.
      const odd = world.sandbox.deliveries.filter((d, i, all) => {
        if (d.attempt !== 1 || d.hookType !== 'inbox') return false;
        return all.findIndex((x) => x.body === d.body) === i;
      });
      const late = await Promise.all(odd.filter((_, i) => i % 2 === 0).map((d) => world.lateReplay(d)));
      expect(late.every((status) => status === 200)).toBe(true);
      await world.settle({ timeoutMs: 120_000 });

      const deliveries = world.sandbox.deliveries.filter((d) => d.hookType === 'inbox').length;
      // A delivery the sandbox saw fail (e.g. a slow answer on this busy machine) is retried by it:
      // one more duplicate, counted in `deliveries`.
      const sandboxRetries = world.sandbox.deliveries.filter(
        (d) => d.hookType === 'inbox' && d.attempt > 1,
      ).length;
      const webhookRequests = deliveries + replays.length + late.length;
      const agentCalls = world.agent.events.length;
      const perEvent = countBy(world.agent.events, (e) => e.event.eventId);
      const replySets = new Map<string, number>();
      for (let c = 0; c < CLIENTS; c += 1) {
        for (const m of world.botMessages(String(1001 + c))) {
          replySets.set(m.text ?? '', (replySets.get(m.text ?? '') ?? 0) + 1);
        }
      }
      figure(
        `R1 duplicates: N=${N} deliveries=${webhookRequests} (sandbox retries ${sandboxRetries}) agentCalls=${agentCalls} replySets=${[...replySets.values()].reduce((a, b) => a + b, 0)} inboundDLQ=${await world.depth(world.queues.inboundDlqUrl)} outboundDLQ=${await world.depth(world.queues.outboundDlqUrl)}`,
      );

      expect(webhookRequests - sandboxRetries).toBe(4 * N);
      expect(agentCalls).toBe(N);
      expect(perEvent.size).toBe(N);
      expect([...perEvent.values()].every((count) => count === 1)).toBe(true);
      for (const text of texts) expect([text, replySets.get(`echo: ${text}`) ?? 0]).toEqual([text, 1]);
      expect(replySets.size).toBe(N);
      expect(world.acceptedSends()).toBe(N);
      expect(await world.depth(world.queues.inboundDlqUrl)).toBe(0);
      expect(await world.depth(world.queues.outboundDlqUrl)).toBe(0);
      expect(world.responses.some((r) => r.body.includes(TEST_TOKEN_MARKER))).toBe(false);
    },
    drillTimeout(180_000),
  );
});
