/**
 * How both FIFO consumers (worker, reply function) run one SQS batch:
 * - the batch's conversations (message groups) concurrently, each one's records one by one in
 *   queue order; a failure fails the rest of its own group only (Powertools
 *   `SqsFifoPartialProcessorAsync` per group, `skipGroupOnError`), reported as partial failures;
 * - each record runs inside the invocation's deadline (`shared/record-context.ts`), so no retry starts
 *   that could not finish;
 * - the failure policy, decided once: a permanent failure (`classifyError`) moves the record to its
 *   DLQ at once with the reason and counts it as handled; a retryable one fails it back;
 * - a record is started only with `recordBudgetMs` of the invocation left; otherwise it is failed
 *   back without being tried, and it and the records behind it in its conversation are made visible
 *   again at once (else FIFO holds the group until the visibility timeout);
 * - a record that failed with `RetryLaterError` (its Chat2Desk account is booked for a while) is
 *   failed back, and it and the records behind it come back after that while, not after the whole
 *   visibility timeout;
 * - conversations done while the batch is still held by another one for more than
 *   `RELEASE_FINISHED_AFTER_MS` are deleted at once (`requeue.done`), so their next messages are
 *   not held back by a throttled or slow conversation until the invocation ends.
 */
import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { classifyError, failureReason, RetryableError, RetryLaterError } from '../../errors';
import { createKeyedConcurrency } from '../../keyed-concurrency';
import { countMetric, logger } from '../../observability';
import { withDeadline } from '../../record-context';
import type { DeadLetters } from './dead-letters';
import type { Requeue } from './requeue';

/**
 * A batch still running this long after a conversation of it is done: that conversation's records
 * are deleted at once (one request), so its next messages need not wait for the slowest
 * conversation of the batch (a throttled account, a slow agent answer).
 */
export const RELEASE_FINISHED_AFTER_MS = 1000;

/** Kept back from the remaining time for the batch response itself. */
const RESPONSE_MARGIN_MS = 500;

export interface FifoBatchOptions {
  recordBudgetMs: number;
  requeue?: Requeue;
  /** Metric counting records not started for lack of time. */
  notStartedMetric: string;
  /** Where a record that can never succeed goes at once, and the metric counting them. */
  deadLetters: DeadLetters;
  deadLetteredMetric: string;
  /**
   * At most `max` conversations of one tenant (`keyOf` of the conversation's first record) run at
   * once in this batch; the tenant's others wait, the other tenants' go on (shared/keyed-concurrency.ts).
   */
  perTenant?: { keyOf(record: SQSRecord): string; max: number };
}

export async function runFifoBatch(
  event: SQSEvent,
  context: Context | undefined,
  handleRecord: (record: SQSRecord) => Promise<unknown>,
  options: FifoBatchOptions,
): Promise<SQSBatchResponse> {
  const remaining = context?.getRemainingTimeInMillis();
  const deadlineMs = remaining === undefined ? undefined : Date.now() + remaining - RESPONSE_MARGIN_MS;
  const tooLate: SQSRecord[] = [];
  /** Conversations to come back later: message group → ms. */
  const comeBack = new Map<string | undefined, number>();

  const recordHandler = async (record: SQSRecord) => {
    if (deadlineMs !== undefined && deadlineMs - Date.now() < options.recordBudgetMs) {
      tooLate.push(record);
      throw new RetryableError('NO_TIME_LEFT', 'not started: the invocation has too little time left');
    }
    try {
      return deadlineMs === undefined
        ? await handleRecord(record)
        : await withDeadline(deadlineMs, () => handleRecord(record));
    } catch (err) {
      const kind = classifyError(err);
      if (err instanceof RetryLaterError) {
        const group = record.attributes.MessageGroupId;
        comeBack.set(group, Math.max(comeBack.get(group) ?? 0, err.comeBackInMs));
      }
      if (kind === 'retryable') throw err;
      const reason = failureReason(err);
      // If the DLQ cannot take it, this throws: the record is retried, never lost.
      await options.deadLetters.send(record, reason);
      logger.error('record moved to the dead-letter queue: it cannot succeed', {
        sqsMessageId: record.messageId,
        receiveCount: record.attributes.ApproximateReceiveCount,
        kind,
        ...reason,
      });
      countMetric(options.deadLetteredMetric);
      return { outcome: 'deadLettered', code: reason.code };
    }
  };

  // Conversations wait on different things (the agent, Chat2Desk): one waiting must not hold the
  // others. One processor per group: it keeps per-batch state.
  const groups = new Map<string, SQSRecord[]>();
  for (const record of event.Records) {
    const group = record.attributes.MessageGroupId ?? record.messageId;
    const records = groups.get(group);
    if (records) records.push(record);
    else groups.set(group, [record]);
  }
  const finished: SQSRecord[][] = [];
  const releasing: Promise<void>[] = [];
  const releaseFinished = () => {
    const records = finished.splice(0).flat();
    if (records.length === 0 || !options.requeue?.done) return;
    releasing.push(
      options.requeue.done(records).catch((err: unknown) =>
        // Harmless: they are deleted when the invocation ends, as without the early release.
        logger.warn('handled records not deleted early; deleted at the end of the batch', failureReason(err)),
      ),
    );
  };
  const timer = groups.size > 1 ? setInterval(releaseFinished, RELEASE_FINISHED_AFTER_MS) : undefined;
  timer?.unref?.();
  const tenants = options.perTenant ? createKeyedConcurrency(options.perTenant.max) : undefined;
  const responses = await Promise.all(
    [...groups.values()].map(async (records) => {
      const processGroup = () =>
        processPartialResponse({ Records: records }, recordHandler, new SqsFifoPartialProcessorAsync(), {
          ...(context ? { context } : {}),
          skipGroupOnError: true,
          throwOnFullBatchFailure: false,
        });
      const result =
        tenants && options.perTenant
          ? await tenants.run(options.perTenant.keyOf(records[0]!), processGroup)
          : await processGroup();
      if (result.batchItemFailures.length === 0) finished.push(records);
      return result;
    }),
  ).finally(() => clearInterval(timer));
  await Promise.all(releasing);
  const response: SQSBatchResponse = { batchItemFailures: responses.flatMap((r) => r.batchItemFailures) };
  const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
  if (comeBack.size > 0 && options.requeue?.later) {
    for (const [group, ms] of comeBack) {
      const back = event.Records.filter(
        (r) => failed.has(r.messageId) && r.attributes.MessageGroupId === group,
      );
      await options.requeue
        .later(back, ms / 1000)
        .catch((err: unknown) =>
          logger.warn(
            'records to come back later stay invisible until their visibility timeout',
            failureReason(err),
          ),
        );
    }
  }
  if (tooLate.length > 0) {
    countMetric(options.notStartedMetric, tooLate.length);
    logger.info('records not started: too little time left in the invocation; put back on the queue', {
      notStarted: tooLate.map((r) => r.messageId),
      recordBudgetMs: options.recordBudgetMs,
    });
    if (
      tooLate.length === event.Records.length &&
      remaining !== undefined &&
      remaining < options.recordBudgetMs
    ) {
      // Not one record could start: the function timeout is shorter than one record's budget.
      logger.error('the function timeout is shorter than one record needs; nothing can be handled', {
        remainingMs: remaining,
        recordBudgetMs: options.recordBudgetMs,
      });
    }
    const groups = new Set(tooLate.map((r) => r.attributes.MessageGroupId));
    const back = event.Records.filter(
      (r) =>
        failed.has(r.messageId) &&
        groups.has(r.attributes.MessageGroupId) &&
        !comeBack.has(r.attributes.MessageGroupId),
    );
    await options.requeue
      ?.now(back)
      .catch((err: unknown) =>
        logger.warn('records not started stay invisible until their visibility timeout', failureReason(err)),
      );
  }
  return response;
}
