/**
 * R5 poison: one message the agent can never answer stalls only its own dialog (the client's
 * later messages wait behind it, in order), then lands in the inbound DLQ; the other dialogs flow
 * meanwhile; after the DLQ the stalled dialog resumes in order.
 */
import { drillTimeout, figure, scaled, startWorld, type World } from './support/world';

const OTHER_DIALOGS = scaled(20);
const PER_DIALOG = 3;
const POISON_CLIENT = '5000';

describe('R5 poison message', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ events: ['inbox'], maxReceiveCount: 3 });
    // The agent fails on this one text every time (500: retryable, so it is retried to the end).
    world.agent.byText('poison', { status: 500 });
  });
  afterAll(async () => {
    await world?.stop();
  });

  test(
    'a poison message stalls only its dialog, then reaches the DLQ; the others flow',
    async () => {
      await world.clientWrites(POISON_CLIENT, 'poison');
      await world.clientWrites(POISON_CLIENT, 'after-1');
      await world.clientWrites(POISON_CLIENT, 'after-2');
      const others = Array.from({ length: OTHER_DIALOGS }, (_, d) => String(5001 + d));
      await Promise.all(
        others.map(async (clientId) => {
          for (let k = 0; k < PER_DIALOG; k += 1) await world.clientWrites(clientId, `m-${k}`);
        }),
      );

      // Every other dialog is answered while the poison is still being retried.
      const othersDone = () => others.every((c) => world.botMessages(c).length === PER_DIALOG);
      const deadline = Date.now() + 60_000;
      while (!othersDone() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const inDlqWhenOthersDone = await world.depth(world.queues.inboundDlqUrl);
      const stalledWhileOthersDone = world.botMessages(POISON_CLIENT).length;
      const poisonCallsThen = world.agent.events.filter((e) => e.event.clientMessage === 'poison').length;
      expect(othersDone()).toBe(true);

      // Then the poison reaches the DLQ and the dialog resumes, in order.
      await world.settle({ until: () => world.botMessages(POISON_CLIENT).length >= 2, timeoutMs: 90_000 });
      const dlq = await world.drainDlq(world.queues.inboundDlqUrl);
      const poisonCalls = world.agent.events.filter((e) => e.event.clientMessage === 'poison').length;
      const resumed = world.botMessages(POISON_CLIENT).map((m) => m.text);
      figure(
        `R5 poison: otherDialogs=${OTHER_DIALOGS}×${PER_DIALOG} answeredWhilePoisonRetried=${OTHER_DIALOGS * PER_DIALOG} stalledDialogRepliesMeanwhile=${stalledWhileOthersDone} poisonAgentCalls=${poisonCalls} inboundDLQ=${dlq.length} stalledDialogAfterDLQ=${JSON.stringify(resumed)}`,
      );
      expect(inDlqWhenOthersDone).toBe(0);
      expect(poisonCallsThen).toBeGreaterThan(0);
      expect(stalledWhileOthersDone).toBe(0);
      expect(dlq).toHaveLength(1);
      expect(JSON.parse(dlq[0]!).body).toContain('"poison"');
      expect(resumed).toEqual(['echo: after-1', 'echo: after-2']);
      expect(await world.depth(world.queues.outboundDlqUrl)).toBe(0);
    },
    drillTimeout(120_000),
  );
});
