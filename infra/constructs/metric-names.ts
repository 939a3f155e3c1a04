/**
 * Custom metric names the dashboard and alarms read (namespace `Chat2DeskChannel`, dimension
 * `service` = `chat2desk-channel`, emitted with `countMetric` / Powertools `metrics`). The functions
 * must emit exactly these names for the dashboard widgets to show data.
 */
import { HEAL_METRICS } from '../../shared/healing/heal-metrics';

export const CUSTOM_METRICS = {
  /** worker: milliseconds of one agent call (POST /agents/{id}/events), unit Milliseconds. */
  agentLatency: 'AgentLatency',
  /** reply: a Chat2Desk send that failed (any failure kind), unit Count. */
  chat2deskSendFailed: 'Chat2DeskSendFailed',
  /** reply: a Chat2Desk answer of 429 / "Number of API requests exceeded", unit Count. */
  chat2deskThrottled: 'Chat2DeskThrottled',
  /** webhook-healer outcomes per channel, unit Count. */
  webhookHealthy: HEAL_METRICS.healthy,
  webhookReEnabled: HEAL_METRICS.reEnabled,
  webhookReRegistered: HEAL_METRICS.reRegistered,
  webhookHealFailed: HEAL_METRICS.failed,
} as const;
