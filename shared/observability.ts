/**
 * One structured logger and one metrics sink for every function.
 *
 * Chat messages are personal data and tokens are secrets: log lines carry ids, never whole events,
 * message texts or tokens. As a second line of defence the JSON replacer masks values under secret
 * keys and every registered secret wherever it appears in a string.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { isSecretKey, maskToken, redactSecrets } from './redaction';

export function redactingReplacer(key: string, value: unknown): unknown {
  if (typeof value === 'string') {
    if (key !== '' && isSecretKey(key)) return maskToken(value);
    return redactSecrets(value);
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'chat2desk-channel';

export const logger = new Logger({
  serviceName,
  jsonReplacerFn: redactingReplacer,
});

export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Chat2DeskChannel',
  serviceName,
});

export { MetricUnit };

/** Counts one occurrence of a named outcome (skipped reasons, sends, throttles, ...). */
export function countMetric(name: string, value = 1): void {
  metrics.addMetric(name, MetricUnit.Count, value);
}

/** Records a duration in milliseconds (latency of a dependency). */
export function timeMetric(name: string, milliseconds: number): void {
  metrics.addMetric(name, MetricUnit.Milliseconds, milliseconds);
}
