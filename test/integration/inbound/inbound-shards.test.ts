/**
 * Inbound shards on the SQS emulator (docs/DEPLOY.md "Inbound shards"): a channel's events, both
 * copies of a takeover signal and the reply function's `c2d: no operators online` event all land on
 * the channel's shard and nowhere else; the worker hands a record back on the queue it came from.
 */
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { createConnectorEvents } from '../../../shared/adapters/sqs/connector-events';
import { createInboundQueue } from '../../../shared/adapters/sqs/inbound-queue';
import { createRequeue, queueUrlOfRecord } from '../../../shared/adapters/sqs/requeue';
import type { InboundQueueMessage } from '../../../shared/domain/queue-messages';
import { inboundShardOf } from '../../../shared/inbound/shards';
import { createTestQueues, queueArn, queueDepth, type TestQueues } from '../../support/queues';

const SHARDS = 4;

function message(channelId: string, clientId: number): InboundQueueMessage {
  return {
    v: 1,
    channelId,
    generation: 1,
    receivedAt: new Date().toISOString(),
    body: JSON.stringify({ hook_type: 'inbox', client_id: clientId, message_id: clientId }),
  };
}

/** A channel id on each shard (found by trying ids: the shard is a fixed function of the id). */
function channelsPerShard(): string[] {
  const found: string[] = [];
  for (let i = 0; found.filter(Boolean).length < SHARDS; i += 1) {
    const id = `shard-test-${i}`;
    found[inboundShardOf(id, SHARDS)] ??= id;
  }
  return found;
}

describe('inbound shards', () => {
  let queues: TestQueues;
  beforeAll(async () => {
    queues = await createTestQueues({ inboundShards: SHARDS, visibilityTimeoutSeconds: 30 });
  });
  afterAll(async () => {
    await queues?.drop();
  });

  const depths = () => Promise.all(queues.inboundShardUrls.map((url) => queueDepth(queues.client, url)));

  it('has one queue per shard, shard 0 being the inbound queue', () => {
    expect(queues.inboundShardUrls).toHaveLength(SHARDS);
    expect(queues.inboundShardUrls[0]).toBe(queues.inboundUrl);
    expect(queues.inboundShardUrls[1]).toMatch(/-inbound-1\.fifo$/);
  });

  it("a channel's events, takeover copies and connector events go to its shard only", async () => {
    const channels = channelsPerShard();
    const inbound = createInboundQueue({ client: queues.client, queueUrl: queues.inboundShardUrls });
    const events = createConnectorEvents({ client: queues.client, queueUrl: queues.inboundShardUrls });
    // Shard 2's channel: a client message, a takeover signal (queued twice) and a connector event.
    const channelId = channels[2]!;
    await inbound.enqueue(message(channelId, 1), { groupId: `${channelId}:1`, deduplicationId: 'd1' });
    await inbound.enqueue(message(channelId, 2), {
      groupId: `${channelId}:2`,
      deduplicationId: 'd2',
      takeoverGroupId: `${channelId}:2:takeover`,
    });
    await events.noOperatorsOnline({
      channelId,
      generation: 1,
      replyId: 'r1#0',
      target: { clientId: '3', transport: 'telegram' },
    });
    expect(await depths()).toEqual([0, 0, 4, 0]);
    // Another channel, on shard 0.
    await inbound.enqueue(message(channels[0]!, 4), { groupId: `${channels[0]}:4`, deduplicationId: 'd4' });
    expect(await depths()).toEqual([1, 0, 4, 0]);
  });

  it('the worker hands a record back on the queue it was received from', async () => {
    const shard3 = queues.inboundShardUrls[3]!;
    const channelId = channelsPerShard()[3]!;
    await createInboundQueue({ client: queues.client, queueUrl: queues.inboundShardUrls }).enqueue(
      message(channelId, 5),
      { groupId: `${channelId}:5`, deduplicationId: 'd5' },
    );
    const received = await queues.client.send(
      new ReceiveMessageCommand({ QueueUrl: shard3, MaxNumberOfMessages: 1, WaitTimeSeconds: 1 }),
    );
    const sqsMessage = received.Messages?.[0];
    expect(sqsMessage).toBeDefined();
    const record = {
      messageId: sqsMessage!.MessageId!,
      receiptHandle: sqsMessage!.ReceiptHandle!,
      body: sqsMessage!.Body!,
      eventSourceARN: (await queueArn(queues.client, shard3))!,
      attributes: {},
    } as unknown as SQSRecord;
    expect(queueUrlOfRecord(record, queues.inboundShardUrls)).toBe(shard3);
    // Handed back at once: visible again on shard 3 (a change on another queue would fail).
    await createRequeue({ client: queues.client, queueUrl: queues.inboundShardUrls }).now([record]);
    const again = await queues.client.send(
      new ReceiveMessageCommand({ QueueUrl: shard3, MaxNumberOfMessages: 1, WaitTimeSeconds: 1 }),
    );
    expect(again.Messages?.[0]?.MessageId).toBe(sqsMessage!.MessageId);
  });
});
