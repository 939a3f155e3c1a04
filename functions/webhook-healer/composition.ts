/** Builds the healer's clients once per cold start, from the validated config. */
import { getDocumentClient } from '../../shared/adapters/aws-clients';
import { createChat2DeskAccountClient } from '../../shared/adapters/chat2desk/account-client';
import { chat2deskFetch } from '../../shared/adapters/chat2desk/edge';
import { createActiveChannelReads } from '../../shared/adapters/dynamodb/active-channels';
import { type Config, loadConfig, required, resolveSecret } from '../../shared/config';
import type { HealWebhooksDeps } from '../../shared/healing/heal-webhooks';
import { webhookName, webhookUrl } from '../../shared/webhook-url';

/**
 * Channels checked at once. A lane only waits on I/O, and on one account at a time (one active
 * channel per token), so more lanes stay polite to every account; what they buy is room: slow
 * accounts, each cut at its share of the run's time (heal-webhooks.ts), hold fewer of the run's
 * seconds from the healthy channels.
 */
export const HEAL_CONCURRENCY = 10;

/**
 * The healer's bound on one answer, below the general one (http.ts): it only reads webhook lists
 * (at most 5 webhooks with their delivery-error logs) and webhook answers, and its 128 MB must hold
 * every lane's answer at once, parsed (measured: ~8 × the body's bytes per lane), so ten accounts
 * answering at the limit together cannot push the function out of memory.
 */
export const HEALER_MAX_RESPONSE_BYTES = 256 * 1024;

export async function buildHealerDeps(config: Config = loadConfig()): Promise<HealWebhooksDeps> {
  const tableName = required(config, 'TABLE_NAME');
  const publicBaseUrl = required(config, 'PUBLIC_BASE_URL');
  const webhookKey = await resolveSecret(config, 'WEBHOOK_SECRET_KEY');
  const reads = createActiveChannelReads(getDocumentClient(), tableName);
  const edgeFetch = chat2deskFetch(config.LOCAL_MODE);
  return {
    activeChannels: reads.activeChannels,
    isStillActive: reads.isStillActive,
    recordFailure: reads.recordFailure,
    clearFailure: reads.clearFailure,
    accountFor: (channel, signal) =>
      createChat2DeskAccountClient({
        baseUrl: channel.apiUrl,
        token: channel.token,
        timeoutMs: config.CHAT2DESK_TIMEOUT_MS,
        maxResponseBytes: HEALER_MAX_RESPONSE_BYTES,
        fetchImpl: edgeFetch,
        ...(signal ? { signal } : {}),
      }),
    expectedWebhook: (channel) => ({
      url: webhookUrl(publicBaseUrl, webhookKey, channel.id, channel.generation),
      name: webhookName(channel.id),
    }),
    concurrency: HEAL_CONCURRENCY,
  };
}
