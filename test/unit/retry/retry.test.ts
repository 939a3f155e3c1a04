/** The one retry module: kinds with their own limits, Retry-After as a floor, bounded waiting. */
import { type RetryRules, withRetries } from '../../../shared/retry';

class Busy extends Error {
  constructor(readonly retryAfterMs?: number) {
    super('busy');
  }
}
class Down extends Error {}
class Wrong extends Error {}

function rules(waits: number[], overrides: Partial<RetryRules> = {}): RetryRules {
  return {
    baseDelayMs: 100,
    maxDelayMs: 1000,
    maxRetryAfterMs: 5000,
    maxTotalWaitMs: 10_000,
    sleep: async (ms) => void waits.push(ms),
    random: () => 0.5,
    decide: (err) =>
      err instanceof Busy
        ? {
            kind: 'busy',
            maxTries: 5,
            ...(err.retryAfterMs !== undefined ? { minDelayMs: err.retryAfterMs } : {}),
          }
        : err instanceof Down
          ? { kind: 'down', maxTries: 3 }
          : undefined,
    ...overrides,
  };
}

function script(...outcomes: (Error | 'ok')[]) {
  let calls = 0;
  const call = async () => {
    const next = outcomes[calls] ?? 'ok';
    calls += 1;
    if (next === 'ok') return 'done';
    throw next;
  };
  return { call, calls: () => calls };
}

test('a failure of no retryable kind is thrown at once', async () => {
  const s = script(new Wrong());
  await expect(withRetries(s.call, rules([]))).rejects.toBeInstanceOf(Wrong);
  expect(s.calls()).toBe(1);
});

test('each kind has its own number of tries; backoff grows with full jitter under the cap', async () => {
  const waits: number[] = [];
  const s = script(new Down(), new Busy(), new Down(), new Busy(), 'ok');
  await expect(withRetries(s.call, rules(waits))).resolves.toBe('done');
  expect(s.calls()).toBe(5);
  expect(waits).toEqual([50, 50, 100, 100]);

  const down = script(new Down(), new Down(), new Down(), 'ok');
  await expect(withRetries(down.call, rules([]))).rejects.toBeInstanceOf(Down);
  expect(down.calls()).toBe(3);
});

test('Retry-After is a floor with a little jitter; one longer than the limit is left to SQS', async () => {
  const waits: number[] = [];
  await withRetries(script(new Busy(2000), 'ok').call, rules(waits));
  expect(waits).toEqual([2050]);
  const tooLong = script(new Busy(60_000), 'ok');
  await expect(withRetries(tooLong.call, rules([]))).rejects.toBeInstanceOf(Busy);
  expect(tooLong.calls()).toBe(1);
});

test('the total waiting of one call is bounded', async () => {
  const waits: number[] = [];
  const s = script(new Busy(4000), new Busy(4000), new Busy(4000), 'ok');
  await expect(withRetries(s.call, rules(waits))).rejects.toBeInstanceOf(Busy);
  expect(waits).toEqual([4050, 4050]);
  expect(s.calls()).toBe(3);
});
