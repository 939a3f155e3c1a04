/**
 * How one Chat2Desk request is retried inside one invocation, decided here and only here:
 * - throttled (HTTP 429 or "Number of API requests exceeded"): wait for Retry-After (or an
 *   exponential backoff) plus jitter, pause the whole token's limiter, try again — up to
 *   `maxThrottledAttempts`; a Retry-After longer than `maxRetryAfterMs` is left to SQS;
 * - unreachable (network error, timeout) and 5xx: exponential backoff with full jitter, up to
 *   `maxAttempts`; an ambiguous failure (timeout after the request was sent) is retried with the
 *   same body, so the same `external_id` (docs/OUTBOUND.md explains the duplicate risk);
 * - anything else (other 4xx, bad token, invalid response): no retry, it is permanent.
 * What is still failing afterwards is thrown as is: a `RetryableError` makes SQS redeliver the
 * record (FIFO keeps the conversation's order), a `PermanentError` ends in the DLQ.
 */
import { type Chat2DeskHttp, Chat2DeskRetryableError } from '../adapters/chat2desk/http';
import { CUSTOM_METRICS } from '../metric-names';
import { countMetric } from '../observability';
import type { RateLimiter } from './rate-limiter';

export interface RetryPolicy {
  maxAttempts: number;
  maxThrottledAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  maxRetryAfterMs: number;
  /** Total waiting for one request; beyond it SQS redelivers (keep it well under the function timeout). */
  maxTotalWaitMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 3,
  maxThrottledAttempts: 10,
  baseDelayMs: 200,
  maxDelayMs: 5000,
  maxRetryAfterMs: 20_000,
  maxTotalWaitMs: 30_000,
};

export interface RetryHooks {
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  onRetry?: (info: { failure: string; attempt: number; delayMs: number }) => void;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(random() * ceiling);
}

/**
 * A Chat2Desk request function that takes the token's rate limit before every attempt and retries
 * by the policy above. Every Chat2Desk client of the reply function is built on it.
 */
export function createResilientHttp(options: {
  http: Chat2DeskHttp;
  limiter: RateLimiter;
  limiterKey: string;
  policy?: RetryPolicy;
  hooks?: RetryHooks;
}): Chat2DeskHttp {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  const sleep = options.hooks?.sleep ?? defaultSleep;
  const random = options.hooks?.random ?? Math.random;
  return async (request) => {
    let failures = 0;
    let throttles = 0;
    let waited = 0;
    for (;;) {
      await options.limiter.acquire(options.limiterKey);
      try {
        return await options.http(request);
      } catch (err) {
        if (!(err instanceof Chat2DeskRetryableError)) throw err;
        let delayMs: number;
        if (err.failure === 'throttled') {
          countMetric(CUSTOM_METRICS.chat2deskThrottled);
          throttles += 1;
          if (throttles >= policy.maxThrottledAttempts) throw err;
          if (err.retryAfterMs !== undefined && err.retryAfterMs > policy.maxRetryAfterMs) throw err;
          const jitter = Math.round(random() * policy.baseDelayMs);
          delayMs = Math.max(err.retryAfterMs ?? 0, backoffDelay(policy, throttles, random)) + jitter;
          options.limiter.pause(options.limiterKey, delayMs);
        } else {
          failures += 1;
          if (failures >= policy.maxAttempts) throw err;
          delayMs = backoffDelay(policy, failures, random);
        }
        if (waited + delayMs > policy.maxTotalWaitMs) throw err;
        waited += delayMs;
        options.hooks?.onRetry?.({ failure: err.failure, attempt: failures + throttles, delayMs });
        await sleep(delayMs);
      }
    }
  };
}
