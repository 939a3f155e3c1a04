/**
 * Crash drill: the worker runs in a child process (the real Lambda entry point behind an SQS
 * poller) and is killed with SIGKILL mid-batch, while the agent holds one request; a new worker
 * process is started → nothing lost, nothing twice:
 * - every message's reply reaches its client exactly once (sandbox transcript);
 * - the agent is called exactly once per message, except the one call the kill cut off, which
 *   is repeated once by the new process (the old one never got its answer); messages the killed
 *   batch had already answered are not called again (the stored answer is reused).
 *
 * Default M = 40 messages over 10 dialogs; RELIABILITY_SCALE scales M.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentEvent } from '../../shared/domain/agent-contract';
import type { ScriptedAnswer } from '../support/recording-agent';
import { countBy, drillTimeout, figure, scaled, startWorld, type World } from './support/world';

const M = scaled(40);
const DIALOGS = 10;
const HOLD_AT_CALL = Math.max(3, Math.floor(M / 4));
const REPO = join(__dirname, '..', '..');
const LOG_DIR = join(REPO, 'test-output', 'logs');

function startWorker(world: World, label: string): Promise<ChildProcess> {
  mkdirSync(LOG_DIR, { recursive: true });
  // The child's log lines go where the suite-wide secret scan reads them.
  const log = createWriteStream(join(LOG_DIR, `crash-worker-${label}-${process.pid}.log`));
  // Node itself with tsx's loader, not the `tsx` wrapper: SIGKILL must hit the worker process,
  // and the wrapper would leave its node child running.
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/reliability/support/crash-worker.ts'], {
    cwd: REPO,
    env: {
      ...process.env,
      ...world.env,
      CRASH_WORKER_TIMEOUT_MS: '8000',
      // A record starts only with the agent timeout + 2 s left (shared/timeouts.ts): 3.5 s of 8 s.
      AGENT_TIMEOUT_MS: '1500',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_METRICS_DISABLED: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr?.pipe(log);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the worker process did not start in 30 s')), 30_000);
    let seen = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      log.write(chunk);
      seen += chunk.toString('utf8');
      if (seen.includes('crash-worker ready')) {
        clearTimeout(timer);
        seen = '';
        resolve(child);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the worker process exited early (${code})`));
    });
  });
}

describe('crash drill', () => {
  let world: World;
  let worker: ChildProcess | undefined;
  let heldEventId: string | undefined;
  let calls = 0;

  beforeAll(async () => {
    world = await startWorld({
      events: ['inbox'],
      noWorker: true,
      maxReceiveCount: 5,
      agent: {
        defaultAnswer: (event: AgentEvent): ScriptedAnswer => {
          calls += 1;
          const reply = { replies: [{ type: 'text' as const, text: `echo: ${event.clientMessage}` }] };
          if (calls === HOLD_AT_CALL) {
            heldEventId = event.eventId;
            return { ...reply, delayMs: 8_000 };
          }
          return reply;
        },
      },
    });
  });
  afterAll(async () => {
    if (worker && worker.exitCode === null) worker.kill('SIGKILL');
    await world?.stop();
  });

  test(
    `worker killed mid-batch (SIGKILL) and restarted → ${M} messages, nothing lost, nothing twice`,
    async () => {
      const texts: string[] = [];
      for (let i = 0; i < M; i += 1) {
        texts.push(`crash-${i}`);
        await world.clientWrites(String(6001 + (i % DIALOGS)), `crash-${i}`);
      }
      await world.sandbox.idle();
      worker = await startWorker(world, 'first');
      const firstPid = worker.pid;

      // Kill while the agent holds a request: the batch is half done.
      const deadline = Date.now() + 60_000;
      while (heldEventId === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(heldEventId).toBeDefined();
      const callsBeforeKill = world.agent.events.length;
      worker.kill('SIGKILL');
      // Conversations of a batch run concurrently: every call the agent had got whose answer had
      // not reached the client may have been cut off by the kill (an upper bound).
      const answeredAtKill = new Set(
        Array.from({ length: DIALOGS }, (_, d) =>
          world.botMessages(String(6001 + d)).map((m) => m.text ?? ''),
        ).flat(),
      );
      const unfinishedAtKill = new Set(
        world.agent.events
          .filter((e) => !answeredAtKill.has(`echo: ${e.event.clientMessage}`))
          .map((e) => e.event.eventId),
      );
      await new Promise((resolve) => worker!.once('exit', resolve));
      // The process is gone (signal 0 only checks that it exists).
      expect(() => process.kill(firstPid!, 0)).toThrow();
      const repliesAtKill = world.acceptedSends();

      worker = await startWorker(world, 'second');
      expect(worker.pid).not.toBe(firstPid);
      await world.settle({ until: () => world.acceptedSends() >= M, timeoutMs: 90_000 });

      const perEvent = countBy(world.agent.events, (e) => e.event.eventId);
      const received = new Map<string, number>();
      for (let d = 0; d < DIALOGS; d += 1) {
        for (const m of world.botMessages(String(6001 + d)))
          received.set(m.text ?? '', (received.get(m.text ?? '') ?? 0) + 1);
      }
      const lost = texts.filter((t) => !received.has(`echo: ${t}`)).length;
      const twice = [...received.values()].filter((n) => n > 1).length;
      const calledTwice = [...perEvent.entries()].filter(([, n]) => n > 1).map(([id]) => id);
      figure(
        `Crash drill: M=${M} killedAtAgentCall=${callsBeforeKill} repliesSentBeforeKill=${repliesAtKill} unfinishedAtKill=${unfinishedAtKill.size} agentCalls=${world.agent.events.length} eventsCalledTwice=${calledTwice.length} (all cut off by the kill: ${calledTwice.every((id) => unfinishedAtKill.has(id))}) lost=${lost} repliesTwice=${twice} inboundDLQ=${await world.depth(world.queues.inboundDlqUrl)}`,
      );
      expect(lost).toBe(0);
      expect(twice).toBe(0);
      expect(received.size).toBe(M);
      expect(perEvent.size).toBe(M);
      // Only calls the kill cut off may be repeated, once each; at most one batch's conversations
      // of each of the two pollers were in flight.
      expect(unfinishedAtKill.has(heldEventId!)).toBe(true);
      expect(unfinishedAtKill.size).toBeLessThanOrEqual(2 * 5);
      expect(calledTwice.filter((id) => !unfinishedAtKill.has(id))).toEqual([]);
      expect(Math.max(...perEvent.values())).toBeLessThanOrEqual(2);
      expect(world.agent.events.length).toBeLessThanOrEqual(M + unfinishedAtKill.size);
      expect(await world.depth(world.queues.inboundDlqUrl)).toBe(0);
      expect(await world.depth(world.queues.outboundDlqUrl)).toBe(0);
    },
    drillTimeout(150_000),
  );
});
