/**
 * Inbound FIFO queue consumer (`runFifoBatch`: queue order, skip-group-on-error, the time budget).
 *
 * The failure policy, decided once per record (docs/RUNBOOK.md):
 * - retryable (agent unreachable or slow, throttling, a store down, no time left): reported as a
 *   partial batch failure, SQS redelivers it after the visibility timeout;
 * - permanent (agent 4xx, an answer that fails its schema, the calls per message used up): moved
 *   to the inbound DLQ at once with its reason in message attributes, reported as handled.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { redriveIdOf } from '../../shared/adapters/sqs/dead-letters';
import { runFifoBatch } from '../../shared/adapters/sqs/fifo-batch';
import { buildOnce } from '../../shared/build-once';
import { classifyError, failureReason } from '../../shared/errors';
import { createInboundEventHandler } from '../../shared/inbound/handle-inbound-event';
import { logger, metrics } from '../../shared/observability';
import { buildWorkerDeps, type WorkerDeps } from './composition';

export function createWorkerHandler(deps: WorkerDeps) {
  const handleInbound = createInboundEventHandler(deps);
  const handleRecord = async (record: SQSRecord) => {
    const ids = { sqsMessageId: record.messageId, receiveCount: record.attributes.ApproximateReceiveCount };
    try {
      const redriveId = redriveIdOf(record);
      return await handleInbound(record.body, {
        sentAtMs: Number(record.attributes.SentTimestamp),
        ...(redriveId ? { redriveId } : {}),
      });
    } catch (err) {
      const kind = classifyError(err);
      if (kind === 'retryable')
        logger.warn('inbound record failed; SQS will redeliver it', { ...ids, kind, ...failureReason(err) });
      // A permanent one goes to the DLQ in runFifoBatch.
      throw err;
    }
  };
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    deps.agent.registerContext(context);
    return runFifoBatch(event, context, handleRecord, {
      recordBudgetMs: deps.recordBudgetMs,
      requeue: deps.requeue,
      notStartedMetric: 'InboundNotStarted',
      deadLetters: deps.deadLetters,
      deadLetteredMetric: 'InboundDeadLettered',
    });
  };
}

const ready = buildOnce(async () => createWorkerHandler(await buildWorkerDeps()));

/** Lambda entry point: dependencies are built once per container (again after a failed build). */
export const handler = middy(async (event: SQSEvent, context: Context) => {
  return (await ready())(event, context);
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
