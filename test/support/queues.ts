/**
 * Per-test FIFO queues on the SQS emulator, built from the same definitions as AWS
 * (`FIFO_ATTRIBUTES`, a DLQ and a RedrivePolicy with the definition's maxReceiveCount).
 *
 *   const queues = await createTestQueues();
 *   ... queues.inboundUrl, queues.inboundDlqUrl, queues.outboundUrl, queues.outboundDlqUrl
 *   await queues.drop();
 */
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import {
  FIFO_ATTRIBUTES,
  fifoQueueName,
  INBOUND_QUEUE,
  inboundShardName,
  OUTBOUND_QUEUE,
  type QueueDefinition,
} from '../../shared/adapters/sqs/queue-definitions';
import { testSqsClient, uniqueName } from './aws';

export interface TestQueues {
  inboundUrl: string;
  /** Every inbound shard's queue in shard order (`[inboundUrl]` with one shard). */
  inboundShardUrls: string[];
  inboundDlqUrl: string;
  outboundUrl: string;
  outboundDlqUrl: string;
  client: SQSClient;
  drop(): Promise<void>;
}

export interface TestQueueOptions {
  client?: SQSClient;
  /** Override the definitions' maxReceiveCount (e.g. 2 to reach the DLQ quickly). */
  maxReceiveCount?: number;
  /** Override the definitions' visibility timeout (seconds). */
  visibilityTimeoutSeconds?: number;
  /** Inbound shards (default 1): shard i ≥ 1 is `inbound-<i>`, all with the inbound DLQ. */
  inboundShards?: number;
}

/** A queue's ARN as the emulator reports it (undefined if it reports none). */
export async function queueArn(client: SQSClient, queueUrl: string): Promise<string | undefined> {
  const result = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  return result.Attributes?.QueueArn;
}

async function createPair(
  client: SQSClient,
  prefix: string,
  definition: QueueDefinition,
  options: TestQueueOptions,
  /** Another queue's DLQ (an inbound shard's), and this queue's own name. */
  shard?: { dlqUrl: string; name: string },
): Promise<{ url: string; dlqUrl: string }> {
  const dlqUrl =
    shard?.dlqUrl ??
    (
      await client.send(
        new CreateQueueCommand({
          QueueName: fifoQueueName(prefix, definition.name, true),
          Attributes: { ...FIFO_ATTRIBUTES },
        }),
      )
    ).QueueUrl!;
  const dlqArn = await queueArn(client, dlqUrl);
  if (!dlqArn) throw new Error(`the emulator returned no QueueArn for ${dlqUrl}`);
  const queue = await client.send(
    new CreateQueueCommand({
      QueueName: fifoQueueName(prefix, shard?.name ?? definition.name),
      Attributes: {
        ...FIFO_ATTRIBUTES,
        VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? definition.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqArn,
          maxReceiveCount: options.maxReceiveCount ?? definition.maxReceiveCount,
        }),
      },
    }),
  );
  return { url: queue.QueueUrl!, dlqUrl };
}

export async function createTestQueues(options: TestQueueOptions = {}): Promise<TestQueues> {
  const client = options.client ?? testSqsClient();
  const prefix = uniqueName('t');
  const inbound = await createPair(client, prefix, INBOUND_QUEUE, options);
  const shardUrls = [inbound.url];
  for (let shard = 1; shard < (options.inboundShards ?? 1); shard += 1) {
    const name = inboundShardName(shard);
    shardUrls.push(
      (await createPair(client, prefix, INBOUND_QUEUE, options, { dlqUrl: inbound.dlqUrl, name })).url,
    );
  }
  const outbound = await createPair(client, prefix, OUTBOUND_QUEUE, options);
  const urls = [...shardUrls, inbound.dlqUrl, outbound.url, outbound.dlqUrl];
  return {
    inboundUrl: inbound.url,
    inboundShardUrls: shardUrls,
    inboundDlqUrl: inbound.dlqUrl,
    outboundUrl: outbound.url,
    outboundDlqUrl: outbound.dlqUrl,
    client,
    drop: async () => {
      await Promise.all(urls.map((QueueUrl) => client.send(new DeleteQueueCommand({ QueueUrl }))));
    },
  };
}

/** Messages in a queue, visible and in flight (what "drained" is measured by). */
export async function queueDepth(client: SQSClient, queueUrl: string): Promise<number> {
  const result = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(result.Attributes?.ApproximateNumberOfMessages ?? '0') +
    Number(result.Attributes?.ApproximateNumberOfMessagesNotVisible ?? '0')
  );
}
