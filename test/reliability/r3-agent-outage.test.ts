/**
 * R3 agent outage: the agent answers 503 for a stretch in the middle of an N-message run → every
 * message answered once, 0 lost, both DLQs empty afterwards.
 *
 * The outage starts when a third of the messages are answered and lasts OUTAGE_MS. It must stay
 * inside the retry horizon (here maxReceiveCount 5 × visibility 5 s; in AWS 5 × 90 s = 7.5 min):
 * an outage longer than that sends messages to the DLQ, by design (docs/RELIABILITY.md).
 *
 * Default N = 500; RELIABILITY_SCALE scales N.
 */
import type { AgentEvent } from '../../shared/domain/agent-contract';
import type { ScriptedAnswer } from '../support/recording-agent';
import { countBy, drillTimeout, figure, scaled, startWorld, type World } from './support/world';

const N = scaled(500);
const CLIENTS = 50;
const OUTAGE_MS = 3_000;

describe('R3 agent outage', () => {
  let world: World;
  const outage = { startedAt: 0, endsAt: 0, answered: 0, refused: 0 };
  beforeAll(async () => {
    world = await startWorld({
      events: ['inbox'],
      maxReceiveCount: 5,
      pollerConcurrency: 3,
      agent: {
        defaultAnswer: (event: AgentEvent): ScriptedAnswer => {
          const now = Date.now();
          if (outage.startedAt === 0 && outage.answered >= Math.floor(N / 3)) {
            outage.startedAt = now;
            outage.endsAt = now + OUTAGE_MS;
          }
          if (outage.startedAt !== 0 && now < outage.endsAt) {
            outage.refused += 1;
            return { status: 503 };
          }
          outage.answered += 1;
          return { replies: [{ type: 'text', text: `echo: ${event.clientMessage}` }] };
        },
      },
    });
  });
  afterAll(async () => {
    await world?.stop();
  });

  test(
    `${N} messages with a ${OUTAGE_MS} ms agent outage in the middle → 0 lost, DLQ empty`,
    async () => {
      const texts: string[] = [];
      await Promise.all(
        Array.from({ length: CLIENTS }, async (_, c) => {
          for (let i = c; i < N; i += CLIENTS) {
            texts.push(`r3-${i}`);
            await world.clientWrites(String(4001 + c), `r3-${i}`);
          }
        }),
      );
      await world.settle({ until: () => world.acceptedSends() >= N, timeoutMs: 180_000 });

      const answered = world.agent.answered();
      const answeredPerEvent = countBy(answered, (e) => e.event.eventId);
      const received = new Map<string, number>();
      for (let c = 0; c < CLIENTS; c += 1) {
        for (const m of world.botMessages(String(4001 + c)))
          received.set(m.text ?? '', (received.get(m.text ?? '') ?? 0) + 1);
      }
      const lost = texts.filter((t) => !received.has(`echo: ${t}`)).length;
      const duplicated = [...received.values()].filter((count) => count > 1).length;
      const inboundDlq = await world.depth(world.queues.inboundDlqUrl);
      const outboundDlq = await world.depth(world.queues.outboundDlqUrl);
      figure(
        `R3 agent outage: N=${N} outageMs=${OUTAGE_MS} refused503=${outage.refused} agentCalls=${world.agent.events.length} answered=${answered.length} delivered=${received.size} lost=${lost} duplicated=${duplicated} inboundDLQ=${inboundDlq} outboundDLQ=${outboundDlq}`,
      );
      expect(outage.refused).toBeGreaterThan(0);
      expect(lost).toBe(0);
      expect(duplicated).toBe(0);
      expect(answeredPerEvent.size).toBe(N);
      expect([...answeredPerEvent.values()].every((count) => count === 1)).toBe(true);
      expect(inboundDlq).toBe(0);
      expect(outboundDlq).toBe(0);
    },
    drillTimeout(240_000),
  );
});
