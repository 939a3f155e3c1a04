/**
 * Per-test FIFO queues on the SQS emulator, built as the local stack builds them (`ensureQueues`:
 * the definitions' attributes, a DLQ and a RedrivePolicy with the definition's maxReceiveCount).
 *
 *   const queues = await createTestQueues();
 *   ... queues.inboundUrl, queues.inboundDlqUrl, queues.outboundUrl, queues.outboundDlqUrl
 *   await queues.drop();
 */
import { DeleteQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { ensureQueues } from '../../infra/local/runtime/bootstrap';
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

export async function createTestQueues(options: TestQueueOptions = {}): Promise<TestQueues> {
  const client = options.client ?? testSqsClient();
  const prefix = uniqueName('t');
  const overrides = {
    ...(options.visibilityTimeoutSeconds !== undefined
      ? { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds }
      : {}),
    ...(options.maxReceiveCount !== undefined ? { maxReceiveCount: options.maxReceiveCount } : {}),
  };
  // The local stack's builder: the same definitions, DLQs and redrive policies as it creates.
  const local = await ensureQueues(
    client,
    prefix,
    { inbound: overrides, outbound: overrides },
    options.inboundShards ?? 1,
  );
  const inbound = local.inbound;
  const outbound = local.outbound;
  const shardUrls = local.inboundShards.map((q) => q.url);
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
