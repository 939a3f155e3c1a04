/**
 * R2 order: D dialogs, each client writing a burst of 5 messages at once → 0 out of order at the
 * agent (events per chat in the order written) and at the client (bot replies in the same order).
 *
 * Default D = 100 (500 messages); RELIABILITY_SCALE scales D.
 */
import { TEST_TOKEN_MARKER } from '../support/tokens';
import { drillTimeout, figure, scaled, startWorld, type World } from './support/world';

const DIALOGS = scaled(100);
const BURST = 5;

/** Adjacent pairs not in ascending order. */
function outOfOrder(sequence: number[]): number {
  let count = 0;
  for (let i = 1; i < sequence.length; i += 1) if (sequence[i]! < sequence[i - 1]!) count += 1;
  return count;
}

describe('R2 order', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ events: ['inbox'], pollerConcurrency: 3 });
  });
  afterAll(async () => {
    await world?.stop();
  });

  test(
    `${DIALOGS} dialogs × bursts of ${BURST} → 0 out of order at the agent and at the client`,
    async () => {
      const clients = Array.from({ length: DIALOGS }, (_, d) => String(3001 + d));
      // Every client writes its burst without waiting for anything; all clients at once.
      await Promise.all(
        clients.map(async (clientId) => {
          for (let k = 0; k < BURST; k += 1) await world.clientWrites(clientId, `c${clientId}-${k}`);
        }),
      );
      const total = DIALOGS * BURST;
      await world.settle({
        until: () => world.acceptedSends() >= total,
        timeoutMs: 180_000,
      });

      const seq = (text: string | null | undefined) => Number(/-(\d+)$/.exec(text ?? '')?.[1] ?? -1);
      let agentOutOfOrder = 0;
      let clientOutOfOrder = 0;
      let agentEvents = 0;
      let botMessages = 0;
      for (const clientId of clients) {
        const atAgent = world.agent.eventsFor(`${clientId}|chat2desk`).map((e) => seq(e.event.clientMessage));
        const atClient = world.botMessages(clientId).map((m) => seq(m.text));
        agentOutOfOrder += outOfOrder(atAgent);
        clientOutOfOrder += outOfOrder(atClient);
        agentEvents += atAgent.length;
        botMessages += atClient.length;
        expect([clientId, atAgent]).toEqual([clientId, [0, 1, 2, 3, 4]]);
        expect([clientId, atClient]).toEqual([clientId, [0, 1, 2, 3, 4]]);
      }
      figure(
        `R2 order: dialogs=${DIALOGS} burst=${BURST} messages=${total} agentEvents=${agentEvents} botMessages=${botMessages} outOfOrderAtAgent=${agentOutOfOrder} outOfOrderAtClient=${clientOutOfOrder}`,
      );
      expect(agentOutOfOrder).toBe(0);
      expect(clientOutOfOrder).toBe(0);
      expect(world.responses.some((r) => r.body.includes(TEST_TOKEN_MARKER))).toBe(false);
    },
    drillTimeout(240_000),
  );
});
