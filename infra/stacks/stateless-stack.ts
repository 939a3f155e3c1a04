/**
 * What can be replaced at any time: the webhook API, the five functions, their event sources and
 * grants, the healer's schedule, alarms and the dashboard. Data lives in the stateful stack.
 */

import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  DomainName,
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { AccountPrincipal, ArnPrincipal, type IPrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnSamplingRule } from 'aws-cdk-lib/aws-xray';
import type { Construct } from 'constructs';
import { HEAL_FAILED_AT_ATTRIBUTE } from '../../shared/adapters/dynamodb/active-channels';
import {
  BY_AGENT_INDEX,
  KEY_PREFIXES,
  TABLE_PARTITION_KEY,
} from '../../shared/adapters/dynamodb/table-definition';
import { inboundShardName } from '../../shared/adapters/sqs/queue-definitions';
import { FUNCTION_TIMEOUT_SECONDS } from '../../shared/timeouts';
import { WEBHOOK_PATH_PREFIX } from '../../shared/webhook-url';
import {
  ConnectorFunction,
  type QueueBinding,
  queueUrlList,
  type TableBinding,
  type TableWrites,
} from '../constructs/connector-function';
import { ConnectorMonitoring } from '../constructs/connector-monitoring';
import type { DeployParameters } from './deploy-parameters';
import type { StatefulStack } from './stateful-stack';

export interface StatelessStackProps extends StackProps {
  data: StatefulStack;
  parameters: DeployParameters;
}

/**
 * Event-source and function sizing, in one place (docs/DEPLOY.md explains each). Memory sizes:
 * the peak resident set of each bundle handling representative invocations in a fresh process
 * (`npm run bench:cost`, docs/PERFORMANCE.md), × 1.5 headroom, rounded up to 64 MB, at least 128:
 * webhook 65 MB → 128, worker 102 MB (a batch of 5) → 192, reply 104–114 MB (a batch of 10) → 192,
 * channels 89–135 MB (create + activate varies most between runs) → 256, healer 77 MB → 128.
 */
export const SIZING = {
  webhook: { memorySize: 128, timeoutSeconds: 10 },
  // A sixth of the inbound visibility timeout (shared/timeouts.ts).
  worker: { memorySize: 192, timeoutSeconds: FUNCTION_TIMEOUT_SECONDS.worker, batchSize: 5 },
  // Concurrency is the deploy parameter replyMaxConcurrency: the per-account rate limit is kept in
  // the table and holds across any number of instances.
  reply: {
    memorySize: 192,
    timeoutSeconds: FUNCTION_TIMEOUT_SECONDS.reply,
    batchSize: 10,
  },
  channels: { memorySize: 256, timeoutSeconds: 60 },
  webhookHealer: { memorySize: 128, timeoutSeconds: 300, everyMinutes: 10 },
  logRetention: RetentionDays.ONE_MONTH,
} as const;

/**
 * What the webhook, worker and reply functions may write in the table: the items (key prefixes) and
 * actions their code uses, nothing else (docs/DEPLOY.md, "Least privilege", lists each call). The
 * channels function writes channels and token locks in transactions and keeps full item access.
 */
export const TABLE_WRITES = {
  // markSigned: SET signedSince on the channel, on condition of its pk and generation.
  webhook: {
    actions: ['dynamodb:UpdateItem'],
    keyPrefixes: [KEY_PREFIXES.channel],
    attributes: [TABLE_PARTITION_KEY, 'signedSince', 'generation'],
  },
  // Conversation state and links, the agent-call idempotency records and call counters: never a channel.
  worker: {
    actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
    keyPrefixes: [
      KEY_PREFIXES.conversation,
      KEY_PREFIXES.requestLink,
      KEY_PREFIXES.clientLink,
      KEY_PREFIXES.idempotency,
    ],
  },
  // Sent parts, own-message and intent records, conversation transitions, the account's send schedule
  // and a throttled record's reserved slots.
  reply: {
    // BatchWriteItem: a sent part's record and its own-message record in one request.
    actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'],
    keyPrefixes: [
      KEY_PREFIXES.sentReply,
      KEY_PREFIXES.ownMessage,
      KEY_PREFIXES.sendIntent,
      KEY_PREFIXES.conversation,
      KEY_PREFIXES.sendSchedule,
      KEY_PREFIXES.slotReservation,
    ],
  },
  // markHealFailed / clearHealFailed: SET or REMOVE healFailedAt on a channel that still exists.
  webhookHealer: {
    actions: ['dynamodb:UpdateItem'],
    keyPrefixes: [KEY_PREFIXES.channel],
    attributes: [TABLE_PARTITION_KEY, HEAL_FAILED_AT_ATTRIBUTE],
  },
} as const satisfies Record<string, TableWrites>;

/** The HTTP API route of the webhook; the only route of the API. */
export const WEBHOOK_ROUTE = `${WEBHOOK_PATH_PREFIX}/{channelId}/{secret}`;

export function platformPrincipal(value: string): IPrincipal {
  return /^\d{12}$/.test(value) ? new AccountPrincipal(value) : new ArnPrincipal(value);
}

export class StatelessStack extends Stack {
  readonly api: HttpApi;
  readonly publicBaseUrl: string;
  readonly functions: {
    webhook: ConnectorFunction;
    worker: ConnectorFunction;
    reply: ConnectorFunction;
    channels: ConnectorFunction;
    webhookHealer: ConnectorFunction;
  };
  readonly monitoring: ConnectorMonitoring;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { data, parameters: p } = props;
    const table: TableBinding = { table: data.table, key: data.key };
    // The inbound shards in shard order, shard 0 first (docs/DEPLOY.md, "Inbound shards").
    const inboundShards: QueueBinding[] = data.inboundShards.map((s) => ({ queue: s.queue, key: data.key }));
    const outbound: QueueBinding = { queue: data.outbound.queue, key: data.key };
    // A record that can never succeed is moved to its DLQ at once by the function itself.
    const inboundDlq: QueueBinding = { queue: data.inbound.deadLetterQueue, key: data.key };
    const outboundDlq: QueueBinding = { queue: data.outbound.deadLetterQueue, key: data.key };
    const common = { logLevel: p.logLevel, logRetention: SIZING.logRetention, tracing: p.tracing };
    const seconds = (n: number) => Duration.seconds(n);

    // --- the webhook API (created first: the channels function builds webhook URLs from it)
    this.api = new HttpApi(this, 'WebhookApi', {
      description: 'Chat2Desk channel: webhook deliveries from Chat2Desk (one route)',
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', { retention: SIZING.logRetention });
    const domain =
      p.domainName && p.certificateArn
        ? new DomainName(this, 'WebhookDomain', {
            domainName: p.domainName,
            certificate: Certificate.fromCertificateArn(this, 'WebhookCertificate', p.certificateArn),
          })
        : undefined;
    new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: p.apiRateLimit, burstLimit: p.apiBurstLimit },
      // routeKey, never the path: the path carries the channel's webhook secret.
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLatency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            sourceIp: '$context.identity.sourceIp',
          }),
        ),
      },
      ...(domain ? { domainMapping: { domainName: domain } } : {}),
    });
    this.publicBaseUrl = p.publicBaseUrl ?? (p.domainName ? `https://${p.domainName}` : this.api.apiEndpoint);

    // --- functions
    const webhook = new ConnectorFunction(this, 'Webhook', {
      name: 'webhook',
      description: 'Chat2Desk channel: verifies a webhook delivery and queues it (storage first)',
      memorySize: SIZING.webhook.memorySize,
      timeout: seconds(SIZING.webhook.timeoutSeconds),
      environment: {
        WEBHOOK_CHANNEL_RATE_PER_SECOND: String(p.webhookChannelRatePerSecond),
        WEBHOOK_CHANNEL_BURST: String(p.webhookChannelBurst),
      },
      ...common,
    })
      // The first signed delivery is recorded on the channel (unsigned ones refused after): that update only.
      .bindTable(table, { items: 'read', writes: TABLE_WRITES.webhook })
      // A channel's events go to its shard: INBOUND_QUEUE_URLS lists them, INBOUND_QUEUE_URL is shard 0.
      .bindQueuesSend(inboundShards, 'INBOUND_QUEUE_URL', 'INBOUND_QUEUE_URLS')
      .bindSecret(data.webhookSecretKey, 'WEBHOOK_SECRET_KEY');
    this.api.addRoutes({
      path: WEBHOOK_ROUTE,
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('WebhookIntegration', webhook.function),
    });

    const worker = new ConnectorFunction(this, 'Worker', {
      name: 'worker',
      description: 'Chat2Desk channel: routes and maps inbound events, calls the agent, queues replies',
      memorySize: SIZING.worker.memorySize,
      timeout: seconds(SIZING.worker.timeoutSeconds),
      environment: {
        AGENT_API_URL: p.agentApiUrl,
        ...(p.fallbackOperatorGroupId ? { FALLBACK_OPERATOR_GROUP_ID: p.fallbackOperatorGroupId } : {}),
      },
      ...common,
    })
      .bindTable(table, { items: 'read', writes: TABLE_WRITES.worker })
      // One event source per shard, each with its own maximum concurrency: a flooding channel fills
      // its shard's worker capacity, not the others'.
      .bindQueuesConsume(inboundShards, {
        batchSize: SIZING.worker.batchSize,
        maxConcurrency: p.workerMaxConcurrency,
      })
      .bindQueueSend(outbound, 'OUTBOUND_QUEUE_URL')
      .bindQueueSend(inboundDlq, 'INBOUND_DLQ_URL')
      // Records not started for lack of time are made visible again, on their own shard (each
      // shard's event source grants it there).
      .setEnvironment('INBOUND_QUEUE_URL', data.inbound.queue.queueUrl)
      .setEnvironment('INBOUND_QUEUE_URLS', queueUrlList(data.inboundShards.map((s) => s.queue)))
      .bindSecret(data.agentApiKey, 'AGENT_API_KEY')
      // Our external ids are signed with it (an outbox proves it is our own echo).
      .bindSecret(data.webhookSecretKey, 'WEBHOOK_SECRET_KEY');

    const reply = new ConnectorFunction(this, 'Reply', {
      name: 'reply',
      description:
        'Chat2Desk channel: renders replies and sends them to Chat2Desk, rate-limited per account over all instances',
      memorySize: SIZING.reply.memorySize,
      timeout: seconds(SIZING.reply.timeoutSeconds),
      ...common,
    })
      .bindTable(table, { items: 'read', writes: TABLE_WRITES.reply })
      .bindQueueConsume(outbound, {
        batchSize: SIZING.reply.batchSize,
        maxConcurrency: p.replyMaxConcurrency,
      })
      .bindQueueSend(outboundDlq, 'OUTBOUND_DLQ_URL')
      // A transfer that finds nobody online queues `c2d: no operators online` for the worker, on the
      // channel's shard.
      .bindQueuesSend(inboundShards, 'INBOUND_QUEUE_URL', 'INBOUND_QUEUE_URLS')
      .setEnvironment('OUTBOUND_QUEUE_URL', data.outbound.queue.queueUrl)
      // The account's send schedule is keyed by the token's keyed hash, as the token lock.
      .bindSecret(data.tokenHashKey, 'TOKEN_HASH_KEY')
      // The external ids of our messages carry a MAC under it (shared/conversations/own-external-id.ts).
      .bindSecret(data.webhookSecretKey, 'WEBHOOK_SECRET_KEY');

    const channels = new ConnectorFunction(this, 'Channels', {
      name: 'channels',
      description: 'Chat2Desk channel: channel management commands from the platform',
      memorySize: SIZING.channels.memorySize,
      timeout: seconds(SIZING.channels.timeoutSeconds),
      environment: { PUBLIC_BASE_URL: this.publicBaseUrl, AGENT_API_URL: p.agentApiUrl },
      ...common,
    })
      .bindTable(table, { items: 'readWrite', queryIndex: BY_AGENT_INDEX })
      .bindQueueSend(outbound, 'OUTBOUND_QUEUE_URL')
      .bindSecret(data.tokenHashKey, 'TOKEN_HASH_KEY')
      .bindSecret(data.webhookSecretKey, 'WEBHOOK_SECRET_KEY')
      .bindSecret(data.agentApiKey, 'AGENT_API_KEY');
    // Only the platform may invoke it: one resource-policy statement, nothing else; with
    // platformRoleArn, only that role of the platform's account.
    channels.function.addPermission('PlatformInvoke', {
      principal: platformPrincipal(p.platformRoleArn ?? p.platformPrincipal),
      action: 'lambda:InvokeFunction',
    });

    const webhookHealer = new ConnectorFunction(this, 'WebhookHealer', {
      name: 'webhookHealer',
      description: "Chat2Desk channel: re-enables or re-registers active channels' webhooks",
      memorySize: SIZING.webhookHealer.memorySize,
      timeout: seconds(SIZING.webhookHealer.timeoutSeconds),
      environment: { PUBLIC_BASE_URL: this.publicBaseUrl },
      ...common,
    })
      // The byAgent index holds channel items only (sparse): scanning it never reads dedup records.
      // GetItem: a consistent re-read before re-registering (a channel deactivated meanwhile).
      // UpdateItem: only the mark of a failed check (healFailedAt), which orders the next run.
      .bindTable(table, { items: 'read', writes: TABLE_WRITES.webhookHealer, scanIndex: BY_AGENT_INDEX })
      .bindSecret(data.webhookSecretKey, 'WEBHOOK_SECRET_KEY');
    // The next run comes within minutes: no async retries piling up behind a slow run.
    webhookHealer.function.configureAsyncInvoke({ retryAttempts: 0 });
    new Rule(this, 'WebhookHealerSchedule', {
      description: 'Checks every active channel webhook; Chat2Desk disables one after 5 h of failures',
      schedule: Schedule.rate(Duration.minutes(SIZING.webhookHealer.everyMinutes)),
      targets: [new LambdaFunction(webhookHealer.function, { retryAttempts: 0 })],
    });

    this.functions = { webhook, worker, reply, channels, webhookHealer };

    if (p.tracing === 'active') {
      // How many of this deployment's requests X-Ray records: the first each second, then the
      // sample rate. Matches the functions of this stack (their names start with the stack's).
      new CfnSamplingRule(this, 'TracingSamplingRule', {
        samplingRule: {
          ruleName: `${p.namePrefix.slice(0, 26)}-trace`,
          priority: 100,
          fixedRate: p.tracingSampleRate,
          reservoirSize: 1,
          serviceName: `${this.stackName}-*`,
          serviceType: 'AWS::Lambda::Function',
          host: '*',
          httpMethod: '*',
          urlPath: '*',
          resourceArn: '*',
          version: 1,
        },
      });
    }

    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions::AwsSolutions-APIG4',
      reason:
        'Chat2Desk cannot send credentials: each channel has an unguessable URL secret (HMAC, checked in constant time) and deliveries may carry an HMAC signature, both verified by the webhook function before anything is queued',
    });

    this.monitoring = new ConnectorMonitoring(this, 'Monitoring', {
      namePrefix: p.namePrefix,
      api: this.api,
      webhookFunction: webhook.function,
      workerFunction: worker.function,
      functions: Object.fromEntries(Object.entries(this.functions).map(([k, v]) => [k, v.function])),
      queues: [
        {
          name: 'inbound',
          queue: data.inbound.queue,
          deadLetterQueue: data.inbound.deadLetterQueue,
          maxAgeSeconds: 300,
        },
        // Shards 1.. share shard 0's dead-letter queue (alarmed once, above).
        ...data.inboundShards.slice(1).map((s, i) => ({
          name: inboundShardName(i + 1),
          queue: s.queue,
          maxAgeSeconds: 300,
        })),
        {
          name: 'outbound',
          queue: data.outbound.queue,
          deadLetterQueue: data.outbound.deadLetterQueue,
          maxAgeSeconds: 300,
        },
      ],
      inboundQueues: data.inboundShards.map((s) => s.queue),
      ...(p.alarmEmail ? { alarmEmail: p.alarmEmail } : {}),
    });

    new CfnOutput(this, 'PublicBaseUrl', { value: this.publicBaseUrl });
    new CfnOutput(this, 'ChannelsFunctionArn', {
      value: channels.function.functionArn,
      description: 'The platform invokes this function with channel-management commands',
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
    new CfnOutput(this, 'InboundQueueUrls', {
      value: queueUrlList(data.inboundShards.map((s) => s.queue)),
      description: 'The inbound shards, comma-separated, in shard order (docs/DEPLOY.md, "Inbound shards")',
    });
    new CfnOutput(this, 'InboundDeadLetterQueueUrl', { value: data.inbound.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'OutboundDeadLetterQueueUrl', { value: data.outbound.deadLetterQueue.queueUrl });
  }
}
