/** Builds the webhook function's clients once per cold start, from the validated config. */
import { getDocumentClient, getSqsClient } from '../../shared/adapters/aws-clients';
import { createInboundQueue } from '../../shared/adapters/sqs/inbound-queue';
import type { AcceptWebhookDeps } from './accept-webhook';
import { createSigningTokenReader } from './signing-token-reader';
import { loadWebhookConfig, resolveWebhookSecretKey, type WebhookConfig } from './webhook-config';

export async function buildWebhookDeps(
  config: WebhookConfig = loadWebhookConfig(),
): Promise<AcceptWebhookDeps> {
  return {
    webhookSecretKey: await resolveWebhookSecretKey(config),
    inboundQueue: createInboundQueue({ client: getSqsClient(), queueUrl: config.INBOUND_QUEUE_URL }),
    signingTokens: createSigningTokenReader({
      client: getDocumentClient(),
      tableName: config.TABLE_NAME,
      cacheTtlMs: config.CHANNEL_CACHE_TTL_MS,
    }),
  };
}
