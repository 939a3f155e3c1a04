/** Builds the webhook function's clients once per cold start, from the validated config. */
import { getDocumentClient, getSqsClient } from '../../shared/adapters/aws-clients';
import { createInboundQueue } from '../../shared/adapters/sqs/inbound-queue';
import { type Config, inboundShardUrls, loadConfig, required, resolveSecret } from '../../shared/config';
import { CUSTOM_METRICS } from '../../shared/metric-names';
import { countMetric } from '../../shared/observability';
import type { AcceptWebhookDeps } from './accept-webhook';
import { createChannelAdmission } from './channel-admission';
import { createWebhookChannelReader } from './webhook-channel-reader';

export async function buildWebhookDeps(config: Config = loadConfig()): Promise<AcceptWebhookDeps> {
  const tableName = required(config, 'TABLE_NAME');
  return {
    webhookSecretKey: await resolveSecret(config, 'WEBHOOK_SECRET_KEY'),
    // A channel's events go to its inbound shard (one queue unless INBOUND_QUEUE_URLS lists several).
    inboundQueue: createInboundQueue({ client: getSqsClient(), queueUrl: inboundShardUrls(config) }),
    channels: createWebhookChannelReader({
      client: getDocumentClient(),
      tableName,
      cacheTtlMs: config.CHANNEL_CACHE_TTL_MS,
    }),
    admission: createChannelAdmission({
      ratePerSecond: config.WEBHOOK_CHANNEL_RATE_PER_SECOND,
      burst: config.WEBHOOK_CHANNEL_BURST,
    }),
    onRateLimited: () => countMetric(CUSTOM_METRICS.webhookRateLimited),
    onUnsignedRefused: () => countMetric(CUSTOM_METRICS.webhookUnsignedRefused),
    onOwnEcho: () => countMetric(CUSTOM_METRICS.ownEchoSkipped),
  };
}
