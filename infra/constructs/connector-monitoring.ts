/**
 * Alarms and the dashboard. Every alarm notifies one SNS topic (with an optional e-mail
 * subscription); docs/RUNBOOK.md says what each alarm means and what to do, by alarm name.
 */
import { Duration } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAME } from './connector-function';
import { CUSTOM_METRICS } from './metric-names';

export interface MonitoredQueue {
  /** Short name used in alarm names: `inbound`, `inbound-1`, …, `outbound`. */
  name: string;
  queue: IQueue;
  /** Absent: the queue shares another's dead-letter queue (inbound shards), alarmed with that one. */
  deadLetterQueue?: IQueue;
  /** Age of the oldest message that raises the alarm. */
  maxAgeSeconds: number;
}

export interface ConnectorMonitoringProps {
  /** Prefix of alarm and dashboard names. */
  namePrefix: string;
  api: IHttpApi;
  webhookFunction: IFunction;
  /** Its duration is shown next to the agent latency (the agent call dominates it). */
  workerFunction: IFunction;
  functions: Record<string, IFunction>;
  queues: MonitoredQueue[];
  /** The inbound shards: the dashboard's "queued inbound" is what was sent to all of them. */
  inboundQueues: IQueue[];
  alarmEmail?: string;
}

/** Alarm names (the runbook refers to them). */
export const alarmName = {
  deadLetters: (prefix: string, queue: string) => `${prefix}-${queue}-dlq-not-empty`,
  oldestMessage: (prefix: string, queue: string) => `${prefix}-${queue}-oldest-message-age`,
  functionErrors: (prefix: string, fn: string) => `${prefix}-${fn}-errors`,
  functionThrottles: (prefix: string, fn: string) => `${prefix}-${fn}-throttles`,
  api5xx: (prefix: string) => `${prefix}-api-5xx`,
  healFailed: (prefix: string) => `${prefix}-webhook-heal-failed`,
  unsignedRefused: (prefix: string) => `${prefix}-webhook-unsigned-refused`,
};

function customMetric(metricName: string, statistic = 'Sum'): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: SERVICE_NAME },
    statistic,
    period: Duration.minutes(5),
  });
}

export class ConnectorMonitoring extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ConnectorMonitoringProps) {
    super(scope, id);
    const prefix = props.namePrefix;
    this.topic = new Topic(this, 'AlarmTopic', { displayName: `${prefix} alarms`, enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    const action = new SnsAction(this.topic);

    const alarm = (
      alarmId: string,
      name: string,
      description: string,
      metric: IMetric,
      threshold: number,
    ) => {
      const created = new Alarm(this, alarmId, {
        alarmName: name,
        alarmDescription: `${description} See docs/RUNBOOK.md, "${name}".`,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(action);
      created.addOkAction(action);
      this.alarms.push(created);
      return created;
    };

    for (const q of props.queues) {
      if (q.deadLetterQueue) {
        alarm(
          `${q.name}DeadLetters`,
          alarmName.deadLetters(prefix, q.name),
          `Messages are in the ${q.name} dead-letter queue: they were not processed after all retries.`,
          q.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: Duration.minutes(1),
            statistic: 'Maximum',
          }),
          1,
        );
      }
      alarm(
        `${q.name}OldestMessage`,
        alarmName.oldestMessage(prefix, q.name),
        `The oldest message of the ${q.name} queue waits longer than ${q.maxAgeSeconds} s: consumers are stuck or too slow.`,
        q.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' }),
        q.maxAgeSeconds,
      );
    }

    for (const [name, fn] of Object.entries(props.functions)) {
      alarm(
        `${name}Errors`,
        alarmName.functionErrors(prefix, name),
        `The ${name} function failed invocations (uncaught errors, timeouts, out of memory).`,
        fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        1,
      );
      alarm(
        `${name}Throttles`,
        alarmName.functionThrottles(prefix, name),
        `The ${name} function was throttled (account or reserved concurrency exhausted).`,
        fn.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
        1,
      );
    }

    alarm(
      'Api5xx',
      alarmName.api5xx(prefix),
      'The webhook API answered Chat2Desk with 5xx: Chat2Desk retries, then disables the webhook after 5 h.',
      props.api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      1,
    );
    alarm(
      'HealFailed',
      alarmName.healFailed(prefix),
      'The webhook healer could not re-enable or re-register the webhook of at least one active channel.',
      customMetric(CUSTOM_METRICS.webhookHealFailed),
      1,
    );
    alarm(
      'UnsignedRefused',
      alarmName.unsignedRefused(prefix),
      'Unsigned webhook deliveries were refused on a channel whose deliveries are signed: someone posts to its URL without the signature.',
      customMetric(CUSTOM_METRICS.webhookUnsignedRefused),
      1,
    );

    this.dashboard = this.buildDashboard(prefix, props);
  }

  private buildDashboard(prefix: string, props: ConnectorMonitoringProps): Dashboard {
    const fiveMin = { period: Duration.minutes(5) };
    const dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `${prefix}-overview` });
    dashboard.addWidgets(
      new TextWidget({
        markdown: `# Chat2Desk channel (${prefix})\nAlarms and what to do: docs/RUNBOOK.md`,
        width: 24,
        height: 2,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Ingest rate (webhooks received / queued)',
        width: 12,
        left: [
          props.api.metricCount({ ...fiveMin, statistic: 'Sum', label: 'webhook requests' }),
          // A flood shows as 4xx (forged: 404; over a channel's admission: 429, also counted apart).
          props.api.metricClientError({ ...fiveMin, statistic: 'Sum', label: 'refused (4xx)' }),
          customMetric(CUSTOM_METRICS.webhookRateLimited).with({ label: 'over channel admission (429)' }),
          ...this.queuedInbound(props.inboundQueues, fiveMin.period),
        ],
      }),
      new GraphWidget({
        title: 'Ack latency (webhook answered, ms)',
        width: 12,
        left: [
          props.api.metricLatency({ ...fiveMin, statistic: 'p50', label: 'API p50' }),
          props.api.metricLatency({ ...fiveMin, statistic: 'p99', label: 'API p99' }),
          props.webhookFunction.metricDuration({ ...fiveMin, statistic: 'p99', label: 'function p99' }),
        ],
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Agent latency (ms)',
        width: 12,
        left: [
          customMetric(CUSTOM_METRICS.agentLatency, 'p50').with({ label: 'agent p50' }),
          customMetric(CUSTOM_METRICS.agentLatency, 'p99').with({ label: 'agent p99' }),
          props.workerFunction.metricDuration({ ...fiveMin, statistic: 'p99', label: 'worker batch p99' }),
        ],
      }),
      new GraphWidget({
        title: 'Chat2Desk send errors and throttles',
        width: 12,
        left: [
          customMetric(CUSTOM_METRICS.repliesFailedRetryable).with({ label: 'send failed (will retry)' }),
          customMetric(CUSTOM_METRICS.repliesFailedPermanently).with({ label: 'send failed (given up)' }),
          customMetric(CUSTOM_METRICS.chat2deskThrottled).with({ label: 'throttled (429)' }),
          customMetric(CUSTOM_METRICS.deliveryFailed).with({ label: 'refused by the messenger' }),
        ],
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Queues: oldest message (s) and dead letters',
        width: 12,
        left: props.queues.map((q) =>
          q.queue.metricApproximateAgeOfOldestMessage({
            ...fiveMin,
            statistic: 'Maximum',
            label: `${q.name} age`,
          }),
        ),
        right: props.queues.flatMap((q) =>
          q.deadLetterQueue
            ? [
                q.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
                  ...fiveMin,
                  statistic: 'Maximum',
                  label: `${q.name} DLQ`,
                }),
              ]
            : [],
        ),
      }),
      new GraphWidget({
        title: 'Function errors and throttles',
        width: 12,
        left: [
          new MathExpression({
            expression: Object.keys(props.functions)
              .map((_, i) => `e${i}`)
              .join(' + '),
            usingMetrics: Object.fromEntries(
              Object.values(props.functions).map((fn, i) => [`e${i}`, fn.metricErrors(fiveMin)]),
            ),
            label: 'errors (all functions)',
            period: Duration.minutes(5),
          }),
          new MathExpression({
            expression: Object.keys(props.functions)
              .map((_, i) => `t${i}`)
              .join(' + '),
            usingMetrics: Object.fromEntries(
              Object.values(props.functions).map((fn, i) => [`t${i}`, fn.metricThrottles(fiveMin)]),
            ),
            label: 'throttles (all functions)',
            period: Duration.minutes(5),
          }),
        ],
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Webhook healer outcomes',
        width: 24,
        left: [
          customMetric(CUSTOM_METRICS.webhookHealthy).with({ label: 'healthy' }),
          customMetric(CUSTOM_METRICS.webhookReEnabled).with({ label: 're-enabled' }),
          customMetric(CUSTOM_METRICS.webhookReRegistered).with({ label: 're-registered' }),
          customMetric(CUSTOM_METRICS.webhookHealFailed).with({ label: 'failed' }),
        ],
      }),
    );
    return dashboard;
  }

  /** Messages sent to the inbound shards: the one queue's metric, or their sum. */
  private queuedInbound(queues: IQueue[], period: Duration): IMetric[] {
    const sent = (q: IQueue, label?: string) =>
      q.metricNumberOfMessagesSent({ period, statistic: 'Sum', ...(label ? { label } : {}) });
    if (queues.length <= 1) return queues.map((q) => sent(q, 'queued inbound'));
    return [
      new MathExpression({
        expression: queues.map((_, i) => `q${i}`).join(' + '),
        usingMetrics: Object.fromEntries(queues.map((q, i) => [`q${i}`, sent(q)])),
        label: `queued inbound (${queues.length} shards)`,
        period,
      }),
    ];
  }
}
