/**
 * Creates what the handlers expect to find, from the same definitions as the CDK stack: the one
 * table and the two FIFO queues with their dead-letter queues. Idempotent: a restart reuses what
 * exists (DynamoDB data kept on disk survives; fauxqs starts empty every time).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createTableInput, TTL_ATTRIBUTE } from '../../../shared/adapters/dynamodb/table-definition';
import {
  DLQ_RETENTION_DAYS,
  FIFO_ATTRIBUTES,
  fifoQueueName,
  INBOUND_QUEUE,
  inboundShardName,
  OUTBOUND_QUEUE,
  type QueueDefinition,
} from '../../../shared/adapters/sqs/queue-definitions';

const DAY_SECONDS = 24 * 3600;

export async function ensureTable(dynamo: DynamoDBClient, tableName: string): Promise<'created' | 'exists'> {
  try {
    await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
    return 'exists';
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) throw err;
  }
  try {
    await dynamo.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (err) {
    // Two starts racing on one data folder: the other one created it.
    if ((err as Error).name === 'ResourceInUseException') return 'exists';
    throw err;
  }
  await dynamo.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    }),
  );
  return 'created';
}

export interface QueuePair {
  url: string;
  arn: string;
  dlqUrl: string;
  dlqArn: string;
  definition: QueueDefinition;
}

export interface LocalQueues {
  /** Inbound shard 0. */
  inbound: QueuePair;
  /** Every inbound shard in shard order (`[inbound]` with one shard). */
  inboundShards: QueuePair[];
  outbound: QueuePair;
}

/** Settings the reliability drills may shorten (a 90 s visibility timeout is long in a test). */
export type QueueOverrides = Partial<Pick<QueueDefinition, 'visibilityTimeoutSeconds' | 'maxReceiveCount'>>;

async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  const result = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  const arn = result.Attributes?.QueueArn;
  if (!arn) throw new Error(`queue ${url} has no ARN`);
  return arn;
}

export async function ensureQueue(
  sqs: SQSClient,
  prefix: string,
  base: QueueDefinition,
  overrides: QueueOverrides = {},
  /** An existing dead-letter queue to use (the inbound shards share shard 0's); else one is made. */
  sharedDlq?: { dlqUrl: string; dlqArn: string },
  /** The queue's name when it is not the definition's (an inbound shard's, `inbound-<i>`). */
  name: string = base.name,
): Promise<QueuePair> {
  const definition = { ...base, ...overrides };
  let dlqUrl = sharedDlq?.dlqUrl;
  let dlqArn = sharedDlq?.dlqArn;
  if (dlqUrl === undefined || dlqArn === undefined) {
    const dlq = await sqs.send(
      new CreateQueueCommand({
        QueueName: fifoQueueName(prefix, name, true),
        Attributes: { ...FIFO_ATTRIBUTES, MessageRetentionPeriod: String(DLQ_RETENTION_DAYS * DAY_SECONDS) },
      }),
    );
    dlqUrl = dlq.QueueUrl!;
    dlqArn = await queueArn(sqs, dlqUrl);
  }
  const main = await sqs.send(
    new CreateQueueCommand({
      QueueName: fifoQueueName(prefix, name),
      Attributes: {
        ...FIFO_ATTRIBUTES,
        VisibilityTimeout: String(definition.visibilityTimeoutSeconds),
        MessageRetentionPeriod: String(definition.retentionDays * DAY_SECONDS),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqArn,
          maxReceiveCount: definition.maxReceiveCount,
        }),
      },
    }),
  );
  const url = main.QueueUrl!;
  return { url, arn: await queueArn(sqs, url), dlqUrl, dlqArn, definition };
}

export async function ensureQueues(
  sqs: SQSClient,
  prefix: string,
  overrides: { inbound?: QueueOverrides; outbound?: QueueOverrides } = {},
  /** Inbound shards (docs/DEPLOY.md "Inbound shards"): shard 0 is `inbound`, all share its DLQ. */
  inboundShards = 1,
): Promise<LocalQueues> {
  const inbound = await ensureQueue(sqs, prefix, INBOUND_QUEUE, overrides.inbound);
  const shards = [inbound];
  for (let shard = 1; shard < inboundShards; shard += 1) {
    shards.push(
      await ensureQueue(sqs, prefix, INBOUND_QUEUE, overrides.inbound, inbound, inboundShardName(shard)),
    );
  }
  const outbound = await ensureQueue(sqs, prefix, OUTBOUND_QUEUE, overrides.outbound);
  return { inbound, inboundShards: shards, outbound };
}

export interface LocalKeys {
  webhookSecretKey: string;
  tokenHashKey: string;
  agentApiKey: string;
}

const newKey = () => randomBytes(32).toString('base64url');

/**
 * The server keys of the local stack. Kept in `<stateDir>/keys.json` so webhook URLs and token
 * locks stay valid across restarts; fresh and unsaved when there is no state folder (in memory).
 */
export function loadLocalKeys(stateDir: string | undefined): LocalKeys {
  if (!stateDir) return { webhookSecretKey: newKey(), tokenHashKey: newKey(), agentApiKey: newKey() };
  const file = join(stateDir, 'keys.json');
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalKeys>;
    if (saved.webhookSecretKey && saved.tokenHashKey && saved.agentApiKey) return saved as LocalKeys;
  }
  const keys = { webhookSecretKey: newKey(), tokenHashKey: newKey(), agentApiKey: newKey() };
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  return keys;
}
