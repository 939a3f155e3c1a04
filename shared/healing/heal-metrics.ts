/** Metric names of the webhook healer's outcomes (the dashboard and the heal-failed alarm read them). */
import type { HealOutcome } from './heal-webhooks';

export const HEAL_METRICS: Record<HealOutcome, string> = {
  healthy: 'WebhookHealthy',
  reEnabled: 'WebhookReEnabled',
  reRegistered: 'WebhookReRegistered',
  skipped: 'WebhookHealSkipped',
  failed: 'WebhookHealFailed',
};
