/**
 * The one retry policy of the connector: how a failed call is tried again inside one invocation.
 * The agent client, the Chat2Desk client (reply function) and the DynamoDB store all retry through
 * `withRetries`; what is still failing afterwards is thrown as it is, and the failure policy
 * (`shared/errors.ts` `classifyError`, the SQS handlers) decides once what happens to the record:
 * retryable → SQS redelivers it later, permanent → its DLQ at once.
 *
 * - Full-jitter exponential backoff: the n-th retry of a kind waits uniform[0, min(cap, base·2^(n-1))).
 * - A failure may ask for a minimum wait (`Retry-After`); one longer than `maxRetryAfterMs` is not
 *   waited for here — the call gives up and SQS redelivers later.
 * - Each kind of failure has its own number of tries (e.g. throttling more than 5xx); the total
 *   waiting of one call is bounded (`maxTotalWaitMs`), and no retry starts that could not end
 *   before the invocation's deadline (`deadlineMs`), so a call always fits the function's time.
 *
 * Considered: cockatiel (4.x needs Node 22; 3.x drives its waits with its own timers, while the
 * tests here drive schedules through an injected `sleep`) and exponential-backoff (no per-failure
 * minimum wait). This module is small and the only one of its kind.
 */

import { currentDeadline } from './record-context';

export interface Backoff {
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Uniform in [0, min(cap, base·2^(attempt-1))): the n-th retry's wait. */
export function backoffDelay(backoff: Backoff, attempt: number, random: () => number): number {
  const ceiling = Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/** What to do about one failure: give up (`undefined`), or try again within its kind's limit. */
export interface RetryVerdict {
  /** Failures of one kind share a count and a limit of tries (the first call included). */
  kind: string;
  maxTries: number;
  /** The server asked for at least this long (Retry-After). */
  minDelayMs?: number;
}

export interface RetryRules extends Backoff {
  decide(err: unknown): RetryVerdict | undefined;
  /** A minimum wait longer than this is left to SQS. */
  maxRetryAfterMs: number;
  /** Total waiting of one call. */
  maxTotalWaitMs: number;
  /**
   * The time this invocation must be done by (epoch ms; default: the record's, `shared/record-context.ts`):
   * a retry whose wait plus one more attempt (`attemptMs`) would end past it is not started — the
   * failure is thrown and SQS redelivers.
   */
  deadlineMs?: number;
  attemptMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Before each wait (metrics, pausing a rate limiter, a log line). */
  onRetry?: (info: { kind: string; tries: number; delayMs: number; err: unknown }) => void;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function withRetries<T>(call: () => Promise<T>, rules: RetryRules): Promise<T> {
  const sleep = rules.sleep ?? realSleep;
  const random = rules.random ?? Math.random;
  const tries = new Map<string, number>();
  let waited = 0;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      const verdict = rules.decide(err);
      if (!verdict) throw err;
      // Tries of this kind so far, the failed one included.
      const n = tries.get(verdict.kind) ?? 1;
      if (n >= verdict.maxTries) throw err;
      tries.set(verdict.kind, n + 1);
      if (verdict.minDelayMs !== undefined && verdict.minDelayMs > rules.maxRetryAfterMs) throw err;
      const jittered = backoffDelay(rules, n, random);
      // A server's Retry-After is a floor; a little jitter on top spreads the callers it held back.
      const delayMs =
        verdict.minDelayMs !== undefined
          ? verdict.minDelayMs + Math.floor(random() * rules.baseDelayMs)
          : jittered;
      if (waited + delayMs > rules.maxTotalWaitMs) throw err;
      const now = rules.now ?? Date.now;
      const deadlineMs = rules.deadlineMs ?? currentDeadline();
      if (deadlineMs !== undefined && now() + delayMs + (rules.attemptMs ?? 0) > deadlineMs) throw err;
      waited += delayMs;
      rules.onRetry?.({ kind: verdict.kind, tries: n, delayMs, err });
      await sleep(delayMs);
    }
  }
}
