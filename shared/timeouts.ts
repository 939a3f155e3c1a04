/**
 * The timeout budget, in one place: function timeouts of the two queue consumers and the
 * visibility timeouts of their queues (AWS guidance for SQS event sources: at least six times the
 * function timeout, so a batch retried by Lambda is never handled twice at once). The CDK stack,
 * the local stack and the tests read them from here; docs/RUNBOOK.md explains the numbers.
 *
 * Worker (40 s): a record starts only with AGENT_TIMEOUT_MS (10 s) + 2 s left; one agent call per
 * delivery when the agent is slow (a timeout is retried by redelivery, 240 s later), fast
 * failures (5xx, 429) retried in the invocation while they fit; at most AGENT_MAX_ATTEMPTS (3)
 * calls per message over all deliveries.
 * Reply (60 s): a Chat2Desk request waits at most 20 s in retries (`maxTotalWaitMs` of shared/outbound/retry-policy.ts), each attempt
 * at most CHAT2DESK_TIMEOUT_MS (10 s).
 */
export const FUNCTION_TIMEOUT_SECONDS = {
  worker: 40,
  reply: 60,
} as const;

/** What one record needs besides its one dependency call: the store reads and writes, the enqueue. */
export const RECORD_OVERHEAD_MS = 2_000;

/** A record is started only with this much of the invocation left: one call (its time limit) + the overhead. */
export function recordBudgetMs(callTimeoutMs: number): number {
  return callTimeoutMs + RECORD_OVERHEAD_MS;
}

/** Visibility timeout of a consumer's queue = this × the consumer's function timeout. */
export const VISIBILITY_PER_FUNCTION_TIMEOUT = 6;

export const VISIBILITY_TIMEOUT_SECONDS = {
  inbound: VISIBILITY_PER_FUNCTION_TIMEOUT * FUNCTION_TIMEOUT_SECONDS.worker,
  outbound: VISIBILITY_PER_FUNCTION_TIMEOUT * FUNCTION_TIMEOUT_SECONDS.reply,
} as const;
