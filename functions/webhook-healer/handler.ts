/**
 * Scheduled (EventBridge, every 10 minutes): checks every active channel's webhook and re-enables
 * or re-registers it. Each channel's outcome is a log line and a metric; a run that cannot list the
 * channels fails (the function-errors alarm fires).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { buildOnce } from '../../shared/build-once';
import { HEAL_METRICS } from '../../shared/healing/heal-metrics';
import { type HealReport, type HealWebhooksDeps, healWebhooks } from '../../shared/healing/heal-webhooks';
import { countMetric, logger, metrics } from '../../shared/observability';
import { buildHealerDeps } from './composition';

export function createHealerHandler(deps: HealWebhooksDeps) {
  return async (): Promise<HealReport['counts']> => {
    const report = await healWebhooks(deps);
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
    logger.info('webhook heal run', { channels: report.results.length, ...report.counts });
    return report.counts;
  };
}

const ready = buildOnce(async () => createHealerHandler(await buildHealerDeps()));

/** Lambda entry point: dependencies are built once per container (again after a failed build). */
export const handler = middy(async () => {
  try {
    return await (await ready())();
  } finally {
    // A run over no channels records nothing: publishing then would only print a warning.
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}).use(injectLambdaContext(logger));
