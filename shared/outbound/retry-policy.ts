/**
 * How one Chat2Desk request is retried inside one invocation, decided here and only here:
 * - throttled (HTTP 429 or "Number of API requests exceeded"): wait for Retry-After (or an
 *   exponential backoff) plus jitter, pause the account's shared send schedule (every instance
 *   slows down, `rate-limiter.ts`), try again — up to
 *   `maxThrottledAttempts`; a Retry-After longer than `maxRetryAfterMs` is left to SQS;
 * - unreachable (network error, timeout) and 5xx: exponential backoff with full jitter, up to
 *   `maxAttempts`; an ambiguous failure (timeout after the request was sent) is retried with the
 *   same body, so the same `external_id` (docs/OUTBOUND.md explains the duplicate risk);
 * - a POST that may have taken effect (a timeout or a dropped connection after it was sent) is not
 *   repeated here: the caller decides, from what it recorded, whether to send it again
 *   (deliver-reply.ts: at most once more per part over all deliveries);
 * - anything else (other 4xx, bad token, invalid response): no retry, it is permanent.
 * What is still failing afterwards is thrown as is: a `RetryableError` makes SQS redeliver the
 * record (FIFO keeps the conversation's order), a `PermanentError` ends in the DLQ.
 */
import { Chat2DeskRetryableError } from '../errors';
import { CUSTOM_METRICS } from '../metric-names';
import { countMetric } from '../observability';
import { currentDeadline, currentSlotWaitMs } from '../record-context';
import { type RetryRules, withRetries } from '../retry';
import type { Chat2DeskHttp } from './ports';
import type { RateLimiter } from './rate-limiter';

export interface RetryPolicy {
  maxAttempts: number;
  maxThrottledAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  maxRetryAfterMs: number;
  /** Total waiting for one request; beyond it SQS redelivers (keep it well under the function timeout). */
  maxTotalWaitMs: number;
  /** Time limit of one attempt (CHAT2DESK_TIMEOUT_MS): no retry starts that would end past the record's deadline. */
  attemptMs?: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 3,
  maxThrottledAttempts: 10,
  baseDelayMs: 200,
  maxDelayMs: 5000,
  maxRetryAfterMs: 20_000,
  // With three 10-s attempts: 50 s, inside the reply function's 60 s (shared/timeouts.ts).
  maxTotalWaitMs: 20_000,
};

export interface RetryHooks {
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  onRetry?: (info: { failure: string; attempt: number; delayMs: number }) => void;
}

/**
 * A Chat2Desk request function that takes a slot of the account's send rate before every attempt
 * (never later than the record's deadline leaves time for the attempt itself) and retries
 * by the policy above (through the one retry module, `shared/retry.ts`). Every Chat2Desk client of
 * the reply function is built on it.
 */
export function createResilientHttp(options: {
  http: Chat2DeskHttp;
  limiter: RateLimiter;
  limiterKey: string;
  policy?: RetryPolicy;
  hooks?: RetryHooks;
}): Chat2DeskHttp {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  const rules: Omit<RetryRules, 'onRetry'> = {
    baseDelayMs: policy.baseDelayMs,
    maxDelayMs: policy.maxDelayMs,
    maxRetryAfterMs: policy.maxRetryAfterMs,
    maxTotalWaitMs: policy.maxTotalWaitMs,
    ...(policy.attemptMs !== undefined ? { attemptMs: policy.attemptMs } : {}),
    ...(options.hooks?.sleep ? { sleep: options.hooks.sleep } : {}),
    ...(options.hooks?.random ? { random: options.hooks.random } : {}),
    decide(err) {
      if (!(err instanceof Chat2DeskRetryableError)) return undefined;
      if (err.failure === 'throttled') {
        countMetric(CUSTOM_METRICS.chat2deskThrottled);
        return {
          kind: 'throttled',
          maxTries: policy.maxThrottledAttempts,
          ...(err.retryAfterMs !== undefined ? { minDelayMs: err.retryAfterMs } : {}),
        };
      }
      // Network errors, timeouts and 5xx share one count.
      return { kind: 'failed', maxTries: policy.maxAttempts };
    },
  };
  return (request) => {
    let attempts = 0;
    const requestRules =
      request.method === 'POST'
        ? {
            ...rules,
            decide: (err: unknown) =>
              err instanceof Chat2DeskRetryableError && err.mayHaveTakenEffect
                ? undefined
                : rules.decide(err),
          }
        : rules;
    return withRetries(
      async () => {
        attempts += 1;
        // No slot later than the record's deadline leaves time for the attempt: else it fails back to SQS.
        const deadline = currentDeadline();
        const shortWait = currentSlotWaitMs();
        const notAfter = Math.min(
          deadline === undefined ? Number.POSITIVE_INFINITY : deadline - (policy.attemptMs ?? 0),
          shortWait === undefined ? Number.POSITIVE_INFINITY : Date.now() + shortWait,
        );
        await options.limiter.acquire(
          options.limiterKey,
          Number.isFinite(notAfter) ? { notAfterMs: notAfter } : {},
        );
        return options.http(request);
      },
      {
        ...requestRules,
        onRetry({ kind, delayMs, err }) {
          // A throttled account waits as a whole, on every instance: no request of it starts meanwhile.
          if (kind === 'throttled') options.limiter.pause(options.limiterKey, delayMs);
          const failure = err instanceof Chat2DeskRetryableError ? err.failure : kind;
          options.hooks?.onRetry?.({ failure, attempt: attempts, delayMs });
        },
      },
    );
  };
}
