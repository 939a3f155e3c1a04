/**
 * The connector as a user runs it: the local stack (functions in this process, free port, DynamoDB
 * in memory) through the scenarios of stack-scenarios.ts. And `npm start`'s own process (functions
 * in worker threads, its default):
 * it starts, answers /health, and on SIGINT exits leaving no java behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../infra/local/emulators';
import { REPO_ROOT } from '../../infra/local/runtime/stack';
import { E2E_RUNTIME } from './helpers';
import { describeStackScenarios } from './stack-scenarios';

jest.setTimeout(90_000);

describeStackScenarios(`local stack, functions ${E2E_RUNTIME === 'threads' ? 'in threads' : 'in process'}`, {
  runtime: E2E_RUNTIME,
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
    // --in-memory, no sandbox profile asked for: the ready line says so.
    expect(output()).toContain('  data in memory (nothing kept)  sandbox classic  (Ctrl-C to stop)\n');
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
