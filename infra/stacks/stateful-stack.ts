/**
 * What holds data and must survive a redeploy: the table, the queues with their dead-letter queues,
 * the server keys, and the customer-managed KMS key that encrypts them. Everything here is retained
 * when the stack is deleted. The functions, API, alarms and schedule live in the stateless stack.
 */
import { Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { DeduplicationScope, FifoThroughputLimit, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  BY_AGENT_INDEX,
  BY_AGENT_PARTITION_KEY,
  BY_AGENT_SORT_KEY,
  TABLE_PARTITION_KEY,
  TTL_ATTRIBUTE,
} from '../../shared/adapters/dynamodb/table-definition';
import {
  DEFAULT_INBOUND_SHARDS,
  DLQ_RETENTION_DAYS,
  fifoQueueName,
  INBOUND_QUEUE,
  inboundShardName,
  MAX_INBOUND_SHARDS,
  OUTBOUND_QUEUE,
  type QueueDefinition,
} from '../../shared/adapters/sqs/queue-definitions';

export interface StatefulStackProps extends StackProps {
  /** Prefix of the physical queue names (one deployment per prefix per account and region). */
  namePrefix: string;
  /** Inbound shards, 1..MAX_INBOUND_SHARDS (the deploy parameter `inboundShards`); default DEFAULT_INBOUND_SHARDS. */
  inboundShards?: number;
}

export interface ConnectorQueue {
  queue: Queue;
  deadLetterQueue: Queue;
  definition: QueueDefinition;
}

export class StatefulStack extends Stack {
  readonly key: Key;
  readonly table: Table;
  /** Inbound shard 0: the inbound queue of before shards (same ids and names). */
  readonly inbound: ConnectorQueue;
  /**
   * Every inbound shard in shard order, `inbound` first; shard i ≥ 1 is the queue `inbound-<i>`,
   * with the same settings and the same dead-letter queue as shard 0 (docs/DEPLOY.md, "Inbound shards").
   */
  readonly inboundShards: ConnectorQueue[];
  readonly outbound: ConnectorQueue;
  readonly webhookSecretKey: Secret;
  readonly tokenHashKey: Secret;
  readonly agentApiKey: Secret;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);

    // One customer-managed key for everything holding personal data or tokens (table, queues):
    // disabling it cuts all access at once; rotated yearly by KMS.
    this.key = new Key(this, 'DataKey', {
      description: 'Chat2Desk channel: channels (tokens), dedup records and queued messages',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_PARTITION_KEY, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: BY_AGENT_INDEX,
      partitionKey: { name: BY_AGENT_PARTITION_KEY, type: AttributeType.STRING },
      sortKey: { name: BY_AGENT_SORT_KEY, type: AttributeType.STRING },
    });

    const shards = props.inboundShards ?? DEFAULT_INBOUND_SHARDS;
    if (!Number.isInteger(shards) || shards < 1 || shards > MAX_INBOUND_SHARDS) {
      throw new Error(`inboundShards must be a whole number from 1 to ${MAX_INBOUND_SHARDS}, not ${shards}`);
    }
    this.inbound = this.fifoQueue('Inbound', INBOUND_QUEUE, props.namePrefix);
    this.inboundShards = [this.inbound];
    for (let shard = 1; shard < shards; shard++) {
      this.inboundShards.push({
        queue: this.fifoQueueFeeding(
          `Inbound${shard}Queue`,
          inboundShardName(shard),
          INBOUND_QUEUE,
          props.namePrefix,
          this.inbound.deadLetterQueue,
        ),
        deadLetterQueue: this.inbound.deadLetterQueue,
        definition: INBOUND_QUEUE,
      });
    }
    this.outbound = this.fifoQueue('Outbound', OUTBOUND_QUEUE, props.namePrefix);

    this.webhookSecretKey = this.serverKey(
      'WebhookSecretKey',
      'Chat2Desk channel: server key of the per-channel webhook URL secrets',
    );
    this.tokenHashKey = this.serverKey(
      'TokenHashKey',
      'Chat2Desk channel: server key of the token-lock hashes (token uniqueness)',
    );
    this.agentApiKey = this.serverKey(
      'AgentApiKey',
      'Chat2Desk channel: bearer key for the agent API (generated; replace it with the platform key if the platform issues one)',
    );
  }

  private fifoQueue(id: string, definition: QueueDefinition, prefix: string): ConnectorQueue {
    const deadLetterQueue = new Queue(this, `${id}DeadLetterQueue`, {
      queueName: fifoQueueName(prefix, definition.name, true),
      fifo: true,
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      dataKeyReuse: Duration.minutes(5),
      retentionPeriod: Duration.days(DLQ_RETENTION_DAYS),
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const queue = this.fifoQueueFeeding(`${id}Queue`, definition.name, definition, prefix, deadLetterQueue);
    return { queue, deadLetterQueue, definition };
  }

  /** A FIFO queue of `definition`'s settings, named `name`, redriven to `deadLetterQueue`. */
  private fifoQueueFeeding(
    id: string,
    name: string,
    definition: QueueDefinition,
    prefix: string,
    deadLetterQueue: Queue,
  ): Queue {
    return new Queue(this, id, {
      queueName: fifoQueueName(prefix, name),
      fifo: true,
      deduplicationScope: DeduplicationScope.MESSAGE_GROUP,
      fifoThroughputLimit: FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
      visibilityTimeout: Duration.seconds(definition.visibilityTimeoutSeconds),
      retentionPeriod: Duration.days(definition.retentionDays),
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      // SQS reuses a data key for 5 minutes: a KMS call per 5 minutes, not per message.
      dataKeyReuse: Duration.minutes(5),
      enforceSSL: true,
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: definition.maxReceiveCount },
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  private serverKey(id: string, description: string): Secret {
    const secret = new Secret(this, id, {
      description,
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason:
        'Rotating a server key changes every webhook URL or token hash; it is a planned, manual procedure (docs/RUNBOOK.md "Rotating the server keys"), not an automatic rotation',
    });
    return secret;
  }
}
