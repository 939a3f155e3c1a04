/**
 * One structured logger and one metrics sink for every function.
 *
 * Chat messages are personal data and tokens are secrets: log lines carry ids, never whole events,
 * message texts or tokens. As a second line of defence the JSON replacer masks values under secret
 * keys and every registered secret wherever it appears in a string.
 */
import { LogFormatter, Logger, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { isSecretKey, maskToken, redactSecrets } from './redaction';

/**
 * Log lines cost by the byte (CloudWatch Logs ingestion): each line carries what finds it again and
 * nothing a log group already says. Kept: level, message, time, the invocation's request id (all
 * lines of one invocation), `cold_start` on a cold start's lines, the X-Ray trace id of a sampled
 * trace, and the line's own attributes. Left out: the function's ARN, memory size and name and the
 * service name (the log group is the function's), and the sampling rate.
 */
export class CompactLogFormatter extends LogFormatter {
  formatAttributes(attributes: UnformattedAttributes, additionalLogAttributes: LogAttributes): LogItem {
    const context = attributes.lambdaContext;
    const trace = attributes.xRayTraceId;
    const base: LogAttributes = {
      level: attributes.logLevel,
      message: attributes.message,
      timestamp: this.formatTimestamp(attributes.timestamp),
      ...(context?.awsRequestId ? { request_id: context.awsRequestId } : {}),
      ...(context?.coldStart ? { cold_start: true } : {}),
      ...(trace && process.env._X_AMZN_TRACE_ID?.includes('Sampled=1') ? { xray_trace_id: trace } : {}),
    };
    return new LogItem({ attributes: base }).addAttributes(additionalLogAttributes);
  }
}

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
  logFormatter: new CompactLogFormatter(),
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
