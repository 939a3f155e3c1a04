/**
 * R15 one tenant cannot hold everyone's capacity: channel A floods N_A messages (one per client)
 * with a slow agent (9 s an answer), then channel B sends N_B → B's messages are answered within
 * seconds while A's backlog is still waiting, and A loses nothing (each message answered once,
 * both DLQs empty).
 *
 * What isolates them is the inbound shards (docs/DEPLOY.md "Inbound shards"): 4 inbound FIFO
 * queues, each with its own worker pollers (2 batches in flight each, as the local stack), and a
 * channel's events always on its shard. B is a channel on another shard than A (a channel on A's
 * shard waits behind A's backlog, as every channel did with one queue: `R15_SHARDS=1` runs the
 * drill on one queue and shows it).
 *
 * The figures (2,000 events of A, a 9 s agent, 10 of B) are scaled to N_A = 60 with the
 * 9 s agent (RELIABILITY_SCALE scales N_A; `R15_AGENT_MS` sets A's agent time): 60 is three rounds
 * of A's shard's 20 conversations in flight, so A's backlog outlasts B's messages by far.
 */

import { getDocumentClient } from '../../shared/adapters/aws-clients';
import type { AgentEvent } from '../../shared/domain/agent-contract';
import { inboundShardOf } from '../../shared/inbound/shards';
import { webhookSecret } from '../../shared/webhook-url';
import { storeTestChannel, testChannel } from '../support/channels';
import type { ScriptedAnswer } from '../support/recording-agent';
import { makeTestToken } from '../support/tokens';
import { countBy, drillTimeout, figure, scaled, startWorld, type World } from './support/world';

const SHARDS = Number(process.env.R15_SHARDS ?? '4');
const N_A = scaled(60);
const N_B = 10;
const A_AGENT_MS = Number(process.env.R15_AGENT_MS ?? '9000');
/** "Within seconds": B's last answer this long after B's messages were queued, at most. */
const B_WITHIN_MS = 8000;

describe('R15 fairness between channels (inbound shards)', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({
      events: ['inbox'],
      maxReceiveCount: 10,
      pollerConcurrency: 2,
      inboundShards: SHARDS,
      // A batch of A's conversations takes the agent's 9 s: the visibility timeout and the
      // function timeout exceed it, as deployed (shared/timeouts.ts).
      visibilityTimeoutSeconds: 60,
      workerTimeoutMs: 60_000,
      env: { AGENT_TIMEOUT_MS: String(A_AGENT_MS + 6000) },
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
    `A floods ${N_A} messages with a ${A_AGENT_MS} ms agent, B (another shard) sends ${N_B} → B answered within seconds, A loses nothing`,
    async () => {
      // Channel B: another account of the same sandbox, on another shard than A when there are several.
      const tokenB = makeTestToken('fairness-b');
      let channelB = testChannel({ agentId: 'agent-b', apiUrl: world.sandboxApiUrl, token: tokenB });
      const shardA = inboundShardOf(world.channel.id, SHARDS);
      while (SHARDS > 1 && inboundShardOf(channelB.id, SHARDS) === shardA) {
        channelB = testChannel({ agentId: 'agent-b', apiUrl: world.sandboxApiUrl, token: tokenB });
      }
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
      const aQueuedMs = Date.now() - started;
      const aAnswered = () =>
        world.agent.answered().filter((e) => e.event.channel.id === world.channel.id).length;
      const aAnsweredWhenBSent = aAnswered();

      const bSentAt = Date.now();
      await Promise.all(
        Array.from({ length: N_B }, (_, i) =>
          world.sandbox.clientMessage(tokenB, String(160_000 + i), { text: `b-${i}` }),
        ),
      );
      const bAnswered = () =>
        Array.from(
          { length: N_B },
          (_, i) =>
            world.sandbox.transcript(tokenB, String(160_000 + i)).filter((m) => m.direction === 'out').length,
        ).filter((n) => n > 0).length;

      let bDoneMs = -1;
      let aAnsweredWhenBDone = -1;
      const deadline = Date.now() + 3 * A_AGENT_MS + N_A * 500;
      while (Date.now() < deadline) {
        if (bAnswered() === N_B) {
          bDoneMs = Date.now() - bSentAt;
          aAnsweredWhenBDone = aAnswered();
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      await world.settle({
        until: () => world.acceptedSends() >= N_A + N_B,
        timeoutMs: Math.ceil(N_A / 10) * (A_AGENT_MS + 3000) + 60_000,
      });

      const aDelivered = new Set<string>();
      for (let i = 0; i < N_A; i += 1) {
        for (const m of world.botMessages(String(150_000 + i))) aDelivered.add(m.text ?? '');
      }
      const lost = aTexts.filter((t) => !aDelivered.has(`echo: ${t}`)).length;
      const calls = countBy(world.agent.events, (e) => e.event.eventId);
      const inboundDlq = await world.depth(world.queues.inboundDlqUrl);
      const outboundDlq = await world.depth(world.queues.outboundDlqUrl);
      figure(
        `R15 fairness: shards=${SHARDS} nA=${N_A} nB=${N_B} aAgentMs=${A_AGENT_MS} aQueuedMs=${aQueuedMs} aAnsweredWhenBSent=${aAnsweredWhenBSent} bAllAnsweredMs=${bDoneMs} aAnsweredWhenBDone=${aAnsweredWhenBDone} aDoneMs=${Date.now() - started} aLost=${lost} mostCallsPerMessage=${Math.max(...calls.values())} inboundDLQ=${inboundDlq} outboundDLQ=${outboundDlq}`,
      );
      // B answered within seconds, while most of A's backlog was still waiting for the agent.
      expect(bDoneMs).toBeGreaterThanOrEqual(0);
      expect(bDoneMs).toBeLessThanOrEqual(B_WITHIN_MS);
      expect(aAnsweredWhenBDone).toBeLessThan(N_A / 2);
      // A lost nothing and was answered once per message.
      expect(lost).toBe(0);
      expect(Math.max(...calls.values())).toBe(1);
      expect(calls.size).toBe(N_A + N_B);
      expect(inboundDlq).toBe(0);
      expect(outboundDlq).toBe(0);
    },
    drillTimeout(240_000),
  );
});
