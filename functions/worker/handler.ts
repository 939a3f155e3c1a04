/**
 * Inbound FIFO queue consumer. Records are handled one by one in queue order; a failure fails the
 * rest of its own message group only (`skipGroupOnError`), the other conversations go on, and the
 * failed records are reported as partial batch failures for redelivery.
 */
import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { classifyError } from '../../shared/errors';
import { createInboundEventHandler } from '../../shared/inbound/handle-inbound-event';
import { logger, metrics } from '../../shared/observability';
import { buildWorkerDeps, type WorkerDeps } from './composition';

export function createWorkerHandler(deps: WorkerDeps) {
  const handleRecord = createInboundEventHandler(deps);
  const recordHandler = async (record: SQSRecord) => {
    try {
      return await handleRecord(record.body);
    } catch (err) {
      const kind = classifyError(err);
      logger.warn('inbound record failed; SQS will redeliver it', {
        sqsMessageId: record.messageId,
        receiveCount: record.attributes.ApproximateReceiveCount,
        kind,
        code: (err as { code?: unknown }).code,
        error: err instanceof Error ? err.message : 'unknown',
      });
      throw err;
    }
  };
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    deps.agent.registerContext(context);
    // One processor per invocation: it keeps per-batch state.
    const processor = new SqsFifoPartialProcessorAsync();
    return processPartialResponse(event, recordHandler, processor, {
      context,
      skipGroupOnError: true,
      throwOnFullBatchFailure: false,
    });
  };
}

let ready: Promise<ReturnType<typeof createWorkerHandler>> | undefined;

/** Lambda entry point: dependencies are built once per cold start. */
export const handler = middy(async (event: SQSEvent, context: Context) => {
  ready ??= buildWorkerDeps().then(createWorkerHandler);
  return (await ready)(event, context);
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
