/**
 * Scheduled (EventBridge, every 10 minutes): checks every active channel's webhook and re-enables
 * or re-registers it. Each channel's outcome is a log line and a metric; a run that cannot list the
 * channels fails (the function-errors alarm fires). The run ends before the invocation's timeout
 * (its deadline is the remaining time less a reserve for the logs and metrics), so it always
 * reports what it did.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { buildOnce } from '../../shared/build-once';
import { HEAL_METRICS } from '../../shared/healing/heal-metrics';
import { type HealReport, type HealWebhooksDeps, healWebhooks } from '../../shared/healing/heal-webhooks';
import { countMetric, logger, metrics } from '../../shared/observability';
import { buildHealerDeps } from './composition';

/** Kept from the invocation's remaining time for logging and publishing metrics after the run. */
export function healRunReserveMs(remainingMs: number): number {
  return Math.min(10_000, Math.floor(remainingMs / 10));
}

export function createHealerHandler(deps: HealWebhooksDeps) {
  return async (
    _event?: unknown,
    context?: Pick<Context, 'getRemainingTimeInMillis'>,
  ): Promise<HealReport['counts']> => {
    const remaining = context?.getRemainingTimeInMillis();
    const deadline =
      remaining === undefined ? undefined : Date.now() + remaining - healRunReserveMs(remaining);
    const report = await healWebhooks(deps, deadline === undefined ? {} : { deadline });
    for (const result of report.results) {
      const line = { channelId: result.channelId, outcome: result.outcome, webhookId: result.webhookId };
      if (result.outcome === 'failed') logger.warn('webhook heal failed', { ...line, reason: result.reason });
      else
        logger.info('webhook checked', {
          ...line,
          deliveryErrors: result.deliveryErrors,
          reason: result.reason,
        });
    }
    for (const [outcome, count] of Object.entries(report.counts)) {
      if (count > 0) countMetric(HEAL_METRICS[outcome as keyof typeof HEAL_METRICS], count);
    }
    logger.info('webhook heal run', {
      channels: report.results.length,
      ...report.counts,
      notReached: report.notReached,
    });
    return report.counts;
  };
}

const ready = buildOnce(async () => createHealerHandler(await buildHealerDeps()));

/** Lambda entry point: dependencies are built once per container (again after a failed build). */
export const handler = middy(async (event: unknown, context: Context) => {
  try {
    return await (await ready())(event, context);
  } finally {
    // A run over no channels records nothing: publishing then would only print a warning.
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}).use(injectLambdaContext(logger));
