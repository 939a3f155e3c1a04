/**
 * Outbound FIFO consumer: each record is one agent reply; it is rendered and sent by the
 * deliver-reply use case. Records are handled one by one in queue order; a failure fails the rest
 * of its own conversation (message group) only, and SQS redelivers them (partial batch response).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { runFifoBatch } from '../../shared/adapters/sqs/fifo-batch';
import { buildOnce } from '../../shared/build-once';
import {
  type OutboundQueueMessage,
  outboundQueueMessageSchema,
} from '../../shared/domain/outbound-queue-message';
import { classifyError, failureReason, RetryLaterError } from '../../shared/errors';
import { countMetric, logger, metrics } from '../../shared/observability';
import { deliverReply } from '../../shared/outbound/deliver-reply';
import {
  NoSendSlotError,
  reservedSlotTimes,
  type SlotReservation,
  shortSlotWaitReceives,
  withSlotWaitFor,
} from '../../shared/outbound/rate-limiter';
import { renderReply } from '../../shared/outbound/render/render-reply';
import { withReservedSlots } from '../../shared/record-context';
import { buildReplyDeps, type ReplyDeps } from './composition';

/** A record with reserved slots comes back this long before the first, to be in time for it. */
const RESERVED_SLOT_LEAD_MS = 5000;

function parseRecord(record: SQSRecord) {
  try {
    return outboundQueueMessageSchema.safeParse(JSON.parse(record.body));
  } catch {
    return undefined;
  }
}

/** The channel a record is for (its conversation's tenant); an unreadable body is its own. */
function channelOf(record: SQSRecord): string {
  try {
    const channelId = (JSON.parse(record.body) as { channelId?: unknown }).channelId;
    return typeof channelId === 'string' ? channelId : `record:${record.messageId}`;
  } catch {
    return `record:${record.messageId}`;
  }
}

export function createReplyHandler(deps: ReplyDeps) {
  /** No slot soon: the record's slots are reserved and it comes back just before the first. */
  const reserveFor = async (
    err: unknown,
    message: OutboundQueueMessage,
    receiveCount: number,
  ): Promise<unknown> => {
    if (!(err instanceof NoSendSlotError) || err.limiterKey === undefined || !deps.slotReservations)
      return err;
    // A short backlog clears during the short waits of the first receives (which hold no instance
    // for long); only a record still without a slot after them reserves.
    if (receiveCount <= shortSlotWaitReceives(deps.maxReceiveCount)) return err;
    const count = renderReply(message.reply, message.target.transport).length;
    let reservation: SlotReservation;
    try {
      reservation = await deps.slotReservations.reserve(err.limiterKey, count);
      await deps.slotReservations.save(message.replyId, reservation);
    } catch (reserveErr) {
      // Without a reservation the record comes back when the first free slot was due, as before.
      logger.warn('send slots not reserved', failureReason(reserveErr));
      return err;
    }
    // Whole seconds, rounded down: SQS's visibility is in seconds, and rounding up would eat the lead.
    const comeBackInMs = Math.max(
      0,
      Math.floor((reservation.firstMs - Date.now() - RESERVED_SLOT_LEAD_MS) / 1000) * 1000,
    );
    countMetric('RepliesSlotReserved');
    return new RetryLaterError(
      'RATE_LIMIT_SLOT_RESERVED',
      `this Chat2Desk account's send rate is booked: slots reserved, the record comes back in ${Math.round(comeBackInMs)} ms`,
      comeBackInMs,
    );
  };

  const handleRecord = async (record: SQSRecord): Promise<void> => {
    const parsed = parseRecord(record);
    if (!parsed?.success) {
      // Not ours to retry: a body no version of the worker writes. Dropped with its reason.
      logger.error('outbound record dropped: invalid body', {
        sqsMessageId: record.messageId,
        issues:
          parsed?.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) ?? 'not JSON',
      });
      countMetric('OutboundInvalidRecord');
      return;
    }
    const message = parsed.data;
    const keys = {
      channelId: message.channelId,
      replyId: message.replyId,
      clientId: message.target.clientId,
      dialogId: message.target.dialogId,
      receiveCount: record.attributes.ApproximateReceiveCount,
    };
    try {
      // A throttled account's record waits a short while for its slot on its first receives; beyond,
      // it reserves its slots and is put back until they are due, so it neither holds this instance
      // nor spends a receive per wait (rate-limiter.ts, docs/DEPLOY.md "Slot reservations").
      const receiveCount = Number(record.attributes.ApproximateReceiveCount) || 1;
      const reserved =
        receiveCount > 1 && deps.slotReservations
          ? await deps.slotReservations.find(message.replyId)
          : undefined;
      const outcome = await withSlotWaitFor(receiveCount, deps.maxReceiveCount, () =>
        withReservedSlots(reserved && { key: reserved.key, slots: reservedSlotTimes(reserved) }, () =>
          deliverReply(deps, message),
        ),
      ).catch(async (err: unknown) => {
        throw await reserveFor(err, message, receiveCount);
      });
      if (outcome.status === 'delivered') {
        logger.info('reply delivered', {
          ...keys,
          operations: outcome.operations,
          sentNow: outcome.sentNow,
          messageIds: outcome.messageIds,
        });
        countMetric('RepliesDelivered');
      } else if (outcome.status === 'alreadyDelivered') {
        logger.info('reply already delivered: nothing sent', keys);
        countMetric('RepliesAlreadyDelivered');
      } else {
        logger.warn('reply skipped', { ...keys, reason: outcome.reason });
        countMetric(`RepliesSkipped_${outcome.reason}`);
      }
    } catch (err) {
      const kind = classifyError(err);
      const { code, message: reason } = failureReason(err);
      logger.error('reply not delivered', { ...keys, kind, code, reason });
      if (kind === 'retryable') countMetric('RepliesFailedRetryable');
      // Retryable: SQS redelivers in order. Permanent (a Chat2Desk 4xx other than 429): to the DLQ
      // at once in runFifoBatch; the conversation's next replies go on.
      throw err;
    }
  };

  return (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> =>
    runFifoBatch(event, context, handleRecord, {
      recordBudgetMs: deps.recordBudgetMs,
      ...(deps.requeue ? { requeue: deps.requeue } : {}),
      notStartedMetric: 'RepliesNotStarted',
      deadLetters: deps.deadLetters,
      deadLetteredMetric: 'RepliesFailedPermanently',
      // One channel's burst does not take every conversation slot of the batch from the others.
      perTenant: { keyOf: channelOf, max: deps.maxConversationsPerChannel },
    });
}

const ready = buildOnce(() => createReplyHandler(buildReplyDeps()));

/** Lambda entry point: dependencies are built once per container (again after a failed build). */
export const handler = middy(async (event: SQSEvent, context: Context) => {
  return (await ready())(event, context);
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
