/**
 * R15 one tenant cannot hold everyone's capacity: channel A floods N_A messages (one per client)
 * with a slow agent, then channel B sends N_B → B's messages are answered while A's backlog is
 * still draining, A loses nothing and is answered once per message, both DLQs empty.
 *
 * The figures (2,000 events of A, a 9 s agent, 10 of B) are scaled to N_A = 200 and a
 * 300 ms agent (RELIABILITY_SCALE scales N_A). The worker runs like the local stack: two pollers
 * sharing one worker instance (CONVERSATIONS_PER_CHANNEL = 5 conversations of one channel at once).
 */

import { getDocumentClient } from '../../shared/adapters/aws-clients';
import type { AgentEvent } from '../../shared/domain/agent-contract';
import { webhookSecret } from '../../shared/webhook-url';
import { storeTestChannel, testChannel } from '../support/channels';
import type { ScriptedAnswer } from '../support/recording-agent';
import { makeTestToken } from '../support/tokens';
import { countBy, drillTimeout, figure, scaled, startWorld, type World } from './support/world';

const N_A = scaled(200);
const N_B = 10;
const A_AGENT_MS = 300;

describe('R15 fairness between channels', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({
      events: ['inbox'],
      maxReceiveCount: 10,
      pollerConcurrency: 2,
      agent: {
        defaultAnswer: (event: AgentEvent): ScriptedAnswer => ({
          replies: [{ type: 'text', text: `echo: ${event.clientMessage}` }],
          ...(event.channel.id === world.channel.id ? { delayMs: A_AGENT_MS } : {}),
        }),
      },
    });
  });
  afterAll(async () => {
    await world?.stop();
  });

  test(
    `A floods ${N_A} messages with a slow agent, B sends ${N_B} → B answered before A's backlog is done, 0 lost`,
    async () => {
      // Channel B: another account of the same sandbox, its own webhook URL.
      const tokenB = makeTestToken('fairness-b');
      const channelB = testChannel({ agentId: 'agent-b', apiUrl: world.sandboxApiUrl, token: tokenB });
      await storeTestChannel(getDocumentClient(), world.table.name, channelB);
      const secretB = webhookSecret(world.webhookKey, channelB.id, channelB.generation);
      const urlB = world.webhookUrl.replace(
        /\/webhooks\/chat2desk\/.*$/,
        `/webhooks/chat2desk/${channelB.id}/${secretB}`,
      );
      const registered = await fetch(`${world.sandboxApiUrl}/v1/webhooks`, {
        method: 'POST',
        headers: { authorization: tokenB, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'fairness-b', url: urlB, events: ['inbox'] }),
      });
      expect(registered.status).toBe(200);

      const started = Date.now();
      const aTexts = Array.from({ length: N_A }, (_, i) => `a-${i}`);
      for (let i = 0; i < N_A; i += 20) {
        await Promise.all(
          aTexts.slice(i, i + 20).map((t, j) => world.clientWrites(String(150_000 + i + j), t)),
        );
      }
      // A's webhooks are all in the queue (the sandbox delivers them in the background).
      await world.sandbox.idle(60_000);
      const aWritten = Date.now();
      const aAnsweredAtStart = world.agent.answered().length;
      const bSentAt = Date.now();
      await Promise.all(
        Array.from({ length: N_B }, (_, i) =>
          world.sandbox.clientMessage(tokenB, String(160_000 + i), { text: `b-${i}` }),
        ),
      );
      await world.sandbox.idle(30_000);
      const bQueuedMs = Date.now() - bSentAt;
      const bAnswered = () =>
        Array.from(
          { length: N_B },
          (_, i) =>
            world.sandbox.transcript(tokenB, String(160_000 + i)).filter((m) => m.direction === 'out').length,
        ).filter((n) => n > 0).length;
      const aAnswered = () =>
        world.agent.answered().filter((e) => e.event.channel.id === world.channel.id).length;

      let aAnsweredWhenBDone = -1;
      let bDoneMs = -1;
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        if (bAnswered() === N_B) {
          aAnsweredWhenBDone = aAnswered();
          bDoneMs = Date.now() - bSentAt;
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      await world.settle({ until: () => world.acceptedSends() >= N_A + N_B, timeoutMs: 120_000 });

      const aDelivered = new Set<string>();
      for (let i = 0; i < N_A; i += 1) {
        for (const m of world.botMessages(String(150_000 + i))) aDelivered.add(m.text ?? '');
      }
      const lost = aTexts.filter((t) => !aDelivered.has(`echo: ${t}`)).length;
      const calls = countBy(world.agent.events, (e) => e.event.eventId);
      const inboundDlq = await world.depth(world.queues.inboundDlqUrl);
      const outboundDlq = await world.depth(world.queues.outboundDlqUrl);
      figure(
        `R15 fairness: nA=${N_A} nB=${N_B} aAgentMs=${A_AGENT_MS} aQueuedMs=${aWritten - started} aAnsweredWhenAQueued=${aAnsweredAtStart} bQueuedMs=${bQueuedMs} bAllAnsweredMs=${bDoneMs} aAnsweredWhenBDone=${aAnsweredWhenBDone} aDoneMs=${Date.now() - started} aLost=${lost} mostCallsPerMessage=${Math.max(...calls.values())} inboundDLQ=${inboundDlq} outboundDLQ=${outboundDlq}`,
      );
      expect(bDoneMs).toBeGreaterThanOrEqual(0);
      // B did not wait for A's backlog (without the bound, B comes after all of it).
      expect(aAnsweredWhenBDone).toBeLessThan(N_A * 0.75);
      expect(lost).toBe(0);
      expect(Math.max(...calls.values())).toBe(1);
      expect(inboundDlq).toBe(0);
      expect(outboundDlq).toBe(0);
    },
    drillTimeout(200_000),
  );
});
