/**
 * Custom metric names the functions emit and the dashboard and alarms read (namespace
 * `Chat2DeskChannel`, dimension `service`). One list, so a renamed metric cannot silently leave a
 * dashboard widget empty.
 */
import { HEAL_METRICS } from './healing/heal-metrics';

export const CUSTOM_METRICS = {
  /** worker: milliseconds of one agent call (POST /agents/{id}/events, retries included), unit Milliseconds. */
  agentLatency: 'AgentLatency',
  /** reply: replies given up for good / left to an SQS retry, unit Count. */
  repliesFailedPermanently: 'RepliesFailedPermanently',
  repliesFailedRetryable: 'RepliesFailedRetryable',
  /** reply: a Chat2Desk answer of 429 / "Number of API requests exceeded", unit Count. */
  chat2deskThrottled: 'Chat2DeskThrottled',
  /** webhook-healer outcomes per channel, unit Count. */
  webhookHealthy: HEAL_METRICS.healthy,
  webhookReEnabled: HEAL_METRICS.reEnabled,
  webhookReRegistered: HEAL_METRICS.reRegistered,
  webhookHealFailed: HEAL_METRICS.failed,
  /** webhook: an unsigned delivery refused on a channel whose deliveries are signed, unit Count. */
  webhookUnsignedRefused: 'WebhookUnsignedRefused',
  /** webhook: an authenticated delivery refused (429) by its channel's admission rate, unit Count. */
  webhookRateLimited: 'WebhookRateLimited',
  /** worker: a messenger refused one of our replies (`outbox_status` error), unit Count. */
  deliveryFailed: 'DeliveryFailed',
  /** worker: the channel's bot operator went offline in Chat2Desk (`operator_status_updated`), unit Count. */
  botOperatorOffline: 'BotOperatorOffline',
  /** webhook (at the door) and worker: our own `outbox` echo skipped (invariant 2's `Skipped_<reason>`), unit Count. */
  ownEchoSkipped: 'Skipped_OwnEcho',
} as const;
