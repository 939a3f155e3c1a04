/**
 * The connector as a user runs it: the local stack (in-process, free port, DynamoDB in memory),
 * a channel created and activated against the sandbox through POST /management, a client message
 * through the sandbox hooks, the bot's reply in the transcript. And `npm start`'s own process:
 * it starts, answers /health, and on SIGINT exits leaving no java behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../infra/local/emulators';
import { type LocalStack, REPO_ROOT, startLocalStack } from '../../infra/local/runtime/stack';
import { makeTestToken } from '../support/tokens';
import {
  clientSays,
  createActiveChannel,
  eventually,
  manage,
  replyMatching,
  settled,
  transcript,
} from './helpers';

jest.setTimeout(90_000);

describe('local stack, in process', () => {
  let stack: LocalStack;
  const lines: string[] = [];

  beforeAll(async () => {
    // The emulators of the test run (DynamoDB Local in memory, fauxqs): jest's VM cannot load the
    // ESM-only fauxqs, and the spawned `npm start` below starts its own emulators anyway.
    stack = await startLocalStack({
      port: 0,
      inMemory: true,
      prefix: `e2e-${process.pid}`,
      emulators: {
        dynamodbEndpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB!,
        sqsEndpoint: process.env.AWS_ENDPOINT_URL_SQS!,
      },
      print: (l) => lines.push(l),
      report: (l) => lines.push(l),
      sandbox: { webhookRetryDelaysMs: [200, 500, 1000] },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('prints a line per step and answers /health', async () => {
    for (const name of ['http', 'tables', 'queues', 'handlers', 'pollers']) {
      expect(lines.some((l) => l.startsWith(name))).toBe(true);
    }
    const health = await fetch(`${stack.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
  });

  it('answers a client: create and activate a channel, send a message, see the reply', async () => {
    const token = makeTestToken('e2e');
    const { result } = await createActiveChannel(stack.url, token);
    expect(JSON.stringify(result)).not.toContain(token);
    const activation = result.activation as { activated: boolean; checks: { name: string; ok: boolean }[] };
    expect(activation.activated).toBe(true);
    expect(activation.checks.map((c) => c.name)).toEqual([
      'agentTrained',
      'tokenUnique',
      'addressReachable',
      'webhookRegistered',
    ]);
    expect(stack.sandbox.webhooks(token)).toHaveLength(1);

    await clientSays(stack.url, token, '501', { text: 'hello bot', transport: 'telegram' });
    const reply = await replyMatching(stack.url, token, '501', 'You said: hello bot');
    expect(reply.transport).toBe('telegram');
    // The agent saw the channel variables of the seed's table.
    const seen = stack.agent.events.find((e) => e.event.clientMessage === 'hello bot');
    expect(seen?.event.variables.channel_visitor_id).toBe('501');
    expect(seen?.event.chatId).toBe('501|chat2desk');
  });

  it('keeps the order of one client and sends buttons', async () => {
    const token = makeTestToken('e2e-order');
    await createActiveChannel(stack.url, token);
    for (const text of ['one', 'two', 'three']) await clientSays(stack.url, token, '77', { text });
    await replyMatching(stack.url, token, '77', 'You said: three');
    const out = (await transcript(stack.url, token, '77')).filter((m) => m.direction === 'out');
    expect(out.map((m) => m.text)).toEqual(['You said: one', 'You said: two', 'You said: three']);

    await clientSays(stack.url, token, '77', { text: '/buttons' });
    const withButtons = await replyMatching(stack.url, token, '77', /Choose an answer/);
    expect(withButtons.buttons.map((b) => b.text)).toEqual(expect.arrayContaining(['Yes', 'No']));
  });

  it('sends an image as a file, and a long text in several messages', async () => {
    const token = makeTestToken('e2e-media');
    await createActiveChannel(stack.url, token);
    await clientSays(stack.url, token, '88', { text: '/image', transport: 'widget' });
    const image = await eventually(async () =>
      (await transcript(stack.url, token, '88')).find(
        (m) => m.direction === 'out' && m.attachments.length > 0,
      ),
    );
    expect(image.attachments[0]?.url).toBe(`${stack.url}/agent/static/demo.png`);

    await clientSays(stack.url, token, '88', { text: '/long', transport: 'widget' });
    const parts = await eventually(async () => {
      const out = (await transcript(stack.url, token, '88')).filter(
        (m) => m.direction === 'out' && m.attachments.length === 0 && m.text,
      );
      const total = out.reduce((n, m) => n + (m.text?.length ?? 0), 0);
      return total >= 4900 ? out : undefined;
    });
    expect(parts.length).toBeGreaterThan(1);
  });

  it('stays silent while a human has the dialog, and answers again once it is closed', async () => {
    const token = makeTestToken('e2e-operator');
    await createActiveChannel(stack.url, token);
    const { dialogId } = await clientSays(stack.url, token, '99', { text: '/operator' });
    await replyMatching(stack.url, token, '99', 'Connecting you to an operator');
    // The hand-over: a transfer call, or the dialog assigned to an operator.
    const transfers = () =>
      stack.sandbox.requests.filter(
        (r) =>
          r.status === 200 &&
          (/transfer/.test(r.path) || (r.method === 'PUT' && r.path.startsWith('/v1/dialogs/'))),
      );
    await eventually(async () => (transfers().length > 0 ? true : undefined));

    await clientSays(stack.url, token, '99', { text: 'are you a human?' });
    await settled(stack);
    const before = (await transcript(stack.url, token, '99')).filter((m) => m.direction === 'out');
    expect(before.some((m) => m.text?.includes('are you a human?'))).toBe(false);

    await stack.sandbox.closeDialog(token, dialogId);
    await clientSays(stack.url, token, '99', { text: 'back to the bot' });
    await replyMatching(stack.url, token, '99', 'You said: back to the bot');
  });

  it('rejects a forged webhook through the real webhook function, queueing nothing', async () => {
    const token = makeTestToken('e2e-forged');
    const { id, webhookUrl } = await createActiveChannel(stack.url, token);
    const forged = webhookUrl.replace(/\/[^/]+$/, '/1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    const response = await fetch(forged, { method: 'POST', body: '{"hook_type":"inbox"}' });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    const got = await manage(stack.url, { action: 'get', channelId: id });
    expect(got.ok).toBe(true);
  });

  it('answers 400 to a management body that is not JSON', async () => {
    const response = await fetch(`${stack.url}/management`, { method: 'POST', body: 'create please' });
    expect(response.status).toBe(400);
  });
});

/** Pids of DynamoDB Local processes listening on `port` (from /proc; Linux only). */
function javaOnPort(port: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const portIndex = cmdline.indexOf('-port');
      if (cmdline.some((a) => a.includes('DynamoDBLocal')) && cmdline[portIndex + 1] === String(port)) {
        pids.push(Number(entry));
      }
    } catch {
      // the process ended meanwhile
    }
  }
  return pids;
}

/** The parent pid of a process (from /proc). The stack's node process is java's parent. */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** Resolves once the process has ended (gives up after 15 s). */
async function gone(pid: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (existsSync(`/proc/${pid}`)) {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    if (state === 'Z') return; // exited, not yet reaped
    if (Date.now() > deadline) throw new Error(`process ${pid} still runs`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** DynamoDB Local may take a moment to die after SIGKILL; bounded. */
async function eventuallyNoJava(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (javaOnPort(port).length > 0) {
    if (Date.now() > deadline) throw new Error(`java still listens on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function waitForExit(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

describe('npm start as a process', () => {
  let child: ChildProcess | undefined;
  const dynamoPorts: number[] = [];
  afterEach(() => {
    // Whatever happened, leave nothing running: the process group, and any DynamoDB Local a
    // failed test left behind (found by its port).
    if (child?.pid && child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    for (const pid of dynamoPorts.splice(0).flatMap(javaOnPort)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });

  /** Spawns `npx tsx infra/local/start.ts` in its own process group, as a terminal would. */
  async function startProcess(): Promise<{ port: number; dynamoPort: number; output: () => string }> {
    const port = await freePort();
    let output = '';
    child = spawn('npx', ['tsx', 'infra/local/start.ts', '--in-memory'], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: String(port), POWERTOOLS_LOG_LEVEL: 'WARN' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
      if (Date.now() > deadline) throw new Error(`npm start was not ready within 60 s:\n${output}`);
      const ok = await fetch(`http://127.0.0.1:${port}/health`)
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok && output.includes('ready     chat')) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const dynamoPort = Number(/^dynamodb\s+ready on http:\/\/127\.0\.0\.1:(\d+)/m.exec(output)?.[1]);
    dynamoPorts.push(dynamoPort);
    return { port, dynamoPort, output: () => output };
  }

  async function refused(port: number): Promise<boolean> {
    return fetch(`http://127.0.0.1:${port}/health`).then(
      () => false,
      () => true,
    );
  }

  it('starts, prints its steps and the ready line, and stops on Ctrl-C leaving no java process', async () => {
    const { port, dynamoPort, output } = await startProcess();
    expect(output()).toMatch(/^dynamodb\s+ready on http:\/\/127\.0\.0\.1:\d+ \(in memory\)$/m);
    expect(output()).toMatch(/^sqs\s+ready on /m);
    expect(output()).toContain(`ready     chat http://127.0.0.1:${port}/sandbox/`);
    expect(javaOnPort(dynamoPort)).toHaveLength(1);
    const stackPid = parentOf(javaOnPort(dynamoPort)[0]!);
    const exited = waitForExit(child!);

    // Ctrl-C in a terminal: SIGINT to the whole foreground process group (npm, tsx, node, java).
    process.kill(-child!.pid!, 'SIGINT');
    const { code, signal } = await exited;
    expect(code === 0 || signal === 'SIGINT').toBe(true);
    // npx may exit on its own SIGINT before the stack has finished stopping: wait for the stack.
    await gone(stackPid);
    await new Promise((r) => setTimeout(r, 100)); // the last output in the pipe
    expect(output()).toContain('stopped');
    expect(javaOnPort(dynamoPort)).toEqual([]);
    expect(await refused(port)).toBe(true);
  });

  it('stops DynamoDB Local itself when only the stack process gets SIGTERM', async () => {
    const { port, dynamoPort, output } = await startProcess();
    const stackPid = parentOf(javaOnPort(dynamoPort)[0]!);
    const exited = waitForExit(child!);

    process.kill(stackPid, 'SIGTERM');
    await exited;
    await gone(stackPid);
    expect(output()).toContain('SIGTERM: stopping...');
    expect(javaOnPort(dynamoPort)).toEqual([]);
    expect(await refused(port)).toBe(true);
  });

  it('leaves no java process when stopped while still starting', async () => {
    const port = await freePort();
    let output = '';
    child = spawn('npx', ['tsx', 'infra/local/start.ts', '--in-memory'], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: String(port), POWERTOOLS_LOG_LEVEL: 'WARN' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const exited = waitForExit(child);
    const deadline = Date.now() + 60_000;
    let dynamoPort = 0;
    while (!dynamoPort) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`DynamoDB Local never started:\n${output}`);
      dynamoPort = Number(/^dynamodb\s+ready on http:\/\/127\.0\.0\.1:(\d+)/m.exec(output)?.[1] ?? 0);
      await new Promise((r) => setTimeout(r, 20));
    }
    dynamoPorts.push(dynamoPort);
    const stackPid = parentOf(javaOnPort(dynamoPort)[0]!);
    process.kill(stackPid, 'SIGTERM');
    await exited;
    await gone(stackPid);
    await eventuallyNoJava(dynamoPort);
  });

  it('says in one line to install Java when there is none, and exits 1', async () => {
    const port = await freePort();
    const emptyPath = mkdtempSync(join(tmpdir(), 'no-java-'));
    try {
      let output = '';
      // tsx's CLI run by this node directly: the PATH holds no java (and no npx) at all.
      child = spawn(
        process.execPath,
        [join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'infra/local/start.ts'],
        {
          cwd: REPO_ROOT,
          env: { ...process.env, PORT: String(port), PATH: emptyPath },
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true,
        },
      );
      child.stdout?.on('data', (d: Buffer) => {
        output += d.toString();
      });
      child.stderr?.on('data', (d: Buffer) => {
        output += d.toString();
      });
      const { code } = await waitForExit(child);
      expect(code).toBe(1);
      const lines = output.trim().split('\n');
      expect(lines[lines.length - 1]).toMatch(
        /^Java was not found: .*install it \(e\.g\. apt-get install openjdk-17-jre-headless\)/,
      );
      expect(await refused(port)).toBe(true);
    } finally {
      rmSync(emptyPath, { recursive: true, force: true });
    }
  });

  it('says in one line that the port is in use, and exits 1', async () => {
    const blocker = createServer();
    const port = await freePort();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', () => r()));
    try {
      let output = '';
      child = spawn('npx', ['tsx', 'infra/local/start.ts', '--in-memory'], {
        cwd: REPO_ROOT,
        env: { ...process.env, PORT: String(port) },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      child.stdout?.on('data', (d: Buffer) => {
        output += d.toString();
      });
      child.stderr?.on('data', (d: Buffer) => {
        output += d.toString();
      });
      const { code } = await waitForExit(child);
      expect(code).toBe(1);
      expect(output.trim()).toBe(`port ${port} is in use: set PORT=... or stop the other process`);
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });
});
