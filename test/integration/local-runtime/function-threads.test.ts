/**
 * Functions in their own worker threads (infra/local/runtime/function-threads.ts), with a stand-in
 * function loaded from TypeScript as the real ones are: the environment at module load, the
 * context, thrown errors, log lines named after their function, and a timeout that ends the run.
 */
import { join } from 'node:path';
import { type FunctionThreads, startFunctionThreads } from '../../../infra/local/runtime/function-threads';
import { invokeLocally, LambdaTimeoutError } from '../../../infra/local/runtime/lambda-context';
import type { FixtureEvent } from './fixtures/thread-function';

jest.setTimeout(30_000);

const fn = { functionName: 'test-thread-fn', timeoutMs: 1500 };
const lines: string[] = [];
let pool: FunctionThreads;

beforeAll(async () => {
  pool = startFunctionThreads({
    fn,
    region: 'us-east-1',
    source: { kind: 'source', file: join(__dirname, 'fixtures', 'thread-function') },
    env: { ...process.env, FIXTURE_VALUE: 'set-before-load' },
    onLog: (line) => lines.push(line),
  });
  await pool.ready();
});
afterAll(() => pool.stop());

const invoke = (event: FixtureEvent) =>
  invokeLocally(fn, pool.handler, event, 'us-east-1') as Promise<Record<string, unknown>>;

it('loads the module with its environment already set and gives it a Lambda context', async () => {
  const result = await invoke({});
  expect(result.atLoad).toBe('set-before-load');
  expect(result.functionName).toBe('test-thread-fn');
  expect(result.remainingMs).toBeGreaterThan(1000);
  expect(result.remainingMs).toBeLessThanOrEqual(1500);
  expect(result.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
});

it('sends every line to the runtime, each naming its function', async () => {
  await invoke({ log: 'hello from the thread' });
  const loaded = lines.find((l) => l.includes('fixture loaded'));
  const hello = lines.find((l) => l.includes('hello from the thread'));
  expect(JSON.parse(loaded!)).toMatchObject({ function_name: 'test-thread-fn', message: 'fixture loaded' });
  expect(JSON.parse(hello!)).toMatchObject({ function_name: 'test-thread-fn' });
});

it('fails the invocation with the error the function threw', async () => {
  await expect(invoke({ fail: 'bad input' })).rejects.toMatchObject({
    name: 'FixtureError',
    message: 'bad input',
  });
});

it('on a timeout ends the run itself, and the next invocation is a cold start', async () => {
  const before = (await invoke({})).invocations as number;
  expect(before).toBeGreaterThan(1);
  const startedBefore = pool.cpu().started;
  await expect(invoke({ sleepMs: 2500 })).rejects.toBeInstanceOf(LambdaTimeoutError);
  // The abandoned run would log "woke up" 1 s after the timeout: its thread is gone.
  await new Promise((r) => setTimeout(r, 1500));
  expect(lines.some((l) => l.includes('woke up'))).toBe(false);
  const after = await invoke({});
  expect(after.invocations).toBe(1);
  expect(after.atLoad).toBe('set-before-load');
  expect(pool.cpu().started).toBe(startedBefore + 1);
  expect(pool.cpu().activeMs).toBeGreaterThan(0);
});

it('keeps other invocations of a timed-out thread running to their end', async () => {
  const slow = invoke({ sleepMs: 2500 });
  await new Promise((r) => setTimeout(r, 1000));
  // Still running in the same thread when the slow one times out (at 1.5 s), done at 2 s.
  const short = invoke({ sleepMs: 1000 });
  await expect(slow).rejects.toBeInstanceOf(LambdaTimeoutError);
  await expect(short).resolves.toMatchObject({ functionName: 'test-thread-fn' });
  const next = await invoke({});
  expect(next.invocations).toBe(1);
});
