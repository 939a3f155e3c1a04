/**
 * R13 redrive after the cause is fixed: the agent hangs past its timeout until the message's
 * calls are used up (`AGENT_ATTEMPTS_EXHAUSTED`, moved to the inbound DLQ at once); the agent is
 * fixed; the DLQ tool moves the message back → the agent is called again and the client gets the
 * answer. A Chat2Desk retry of the same message that is not a redrive is still refused.
 */
import { redriveDeadLetters } from '../../scripts/dlq-tools';
import type { AgentEvent } from '../../shared/domain/agent-contract';
import type { ScriptedAnswer } from '../support/recording-agent';
import { figure, startWorld, type World } from './support/world';

const AGENT_TIMEOUT_MS = 400;

describe('R13 redrive after the cause is fixed', () => {
  let world: World;
  const agentState = { hanging: true };
  beforeAll(async () => {
    world = await startWorld({
      events: ['inbox'],
      maxReceiveCount: 5,
      visibilityTimeoutSeconds: 2,
      env: { AGENT_TIMEOUT_MS: String(AGENT_TIMEOUT_MS), AGENT_MAX_ATTEMPTS: '2' },
      agent: {
        defaultAnswer: (event: AgentEvent): ScriptedAnswer => ({
          replies: [{ type: 'text', text: `echo: ${event.clientMessage}` }],
          ...(agentState.hanging ? { delayMs: AGENT_TIMEOUT_MS * 3 } : {}),
        }),
      },
    });
  });
  afterAll(async () => {
    await world?.stop();
  });

  test('a message dead-lettered while the agent hung is answered once redriven', async () => {
    const dlqDepth = () => world.depth(world.queues.inboundDlqUrl);
    await world.clientWrites('13001', 'are you there?');
    await world.settle({ until: async () => (await dlqDepth()) === 1 });
    const callsWhileDown = world.agent.events.length;
    expect(callsWhileDown).toBe(2);
    expect(world.botMessages('13001')).toHaveLength(0);

    agentState.hanging = false;
    // Chat2Desk's late retry of the same message is no redrive: its calls are used up, it is refused.
    const delivery = world.sandbox.deliveries.find((d) => d.hookType === 'inbox');
    expect(await world.lateReplay(delivery!)).toBe(200);
    await world.settle({ until: async () => (await dlqDepth()) === 2 });
    expect(world.agent.events.length).toBe(callsWhileDown);

    // The cause is fixed: the DLQ tool moves both back.
    const redriven = await redriveDeadLetters({
      client: world.queues.client,
      deadLetterQueueUrl: world.queues.inboundDlqUrl,
      targetQueueUrl: world.queues.inboundUrl,
    });
    expect(redriven.moved).toHaveLength(2);
    await world.settle({ until: () => world.botMessages('13001').length >= 1 });

    figure(
      `R13 redrive: callsWhileDown=${callsWhileDown} callsAfterRedrive=${world.agent.events.length - callsWhileDown} delivered=${world.botMessages('13001').length} inboundDLQ=${await dlqDepth()}`,
    );
    // One more call: the first redriven copy; the second gets the stored answer.
    expect(world.agent.events.length).toBe(callsWhileDown + 1);
    expect(world.botMessages('13001').map((m) => m.text)).toEqual(['echo: are you there?']);
    expect(await dlqDepth()).toBe(0);
  }, 90_000);
});
