/**
 * Custom metric names the dashboard and alarms read (namespace `Chat2DeskChannel`, dimension
 * `service` = `chat2desk-channel`, emitted with `countMetric` / Powertools `metrics`). The functions
 * must emit exactly these names for the dashboard widgets to show data. `AgentLatency` and
 * `Chat2DeskThrottled` are not emitted yet by the worker / reply function (the dashboard shows the
 * worker's duration next to the agent latency meanwhile).
 */
import { HEAL_METRICS } from '../../shared/healing/heal-metrics';

export const CUSTOM_METRICS = {
  /** worker: milliseconds of one agent call (POST /agents/{id}/events), unit Milliseconds. */
  agentLatency: 'AgentLatency',
  /** reply (emitted today): replies given up for good / left to an SQS retry, unit Count. */
  repliesFailedPermanently: 'RepliesFailedPermanently',
  repliesFailedRetryable: 'RepliesFailedRetryable',
  /** reply: a Chat2Desk answer of 429 / "Number of API requests exceeded", unit Count. */
  chat2deskThrottled: 'Chat2DeskThrottled',
  /** webhook-healer outcomes per channel, unit Count. */
  webhookHealthy: HEAL_METRICS.healthy,
  webhookReEnabled: HEAL_METRICS.reEnabled,
  webhookReRegistered: HEAL_METRICS.reRegistered,
  webhookHealFailed: HEAL_METRICS.failed,
} as const;
