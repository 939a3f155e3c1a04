/**
 * The worker's replies go to the outbound queue in batches cut by count and by bytes (SQS: 256 KiB
 * per SendMessageBatch), in order, on the SQS emulator.
 */

import { createOutboundQueue, SQS_BATCH_MAX_BYTES } from '../../../shared/adapters/sqs/outbound-queue';
import type { OutboundQueueMessage } from '../../../shared/domain/queue-messages';
import { PermanentError } from '../../../shared/errors';
import { testSqsClient } from '../../support/aws';
import { createTestQueues, type TestQueues } from '../../support/queues';
import { receiveAll } from '../../support/sqs-driver';

const message = (index: number, text: string): OutboundQueueMessage => ({
  v: 1,
  replyId: `ch-1:inbox:77:${index}`,
  eventId: 'ch-1:inbox:77',
  channelId: 'ch-1',
  index,
  target: { clientId: '77' },
  reply: { type: 'text', text },
});

describe('outbound queue batches', () => {
  let queues: TestQueues;
  const client = testSqsClient();
  const batchBytes: number[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { Entries?: { MessageBody?: string }[] };
      if (input.Entries) {
        batchBytes.push(input.Entries.reduce((sum, e) => sum + Buffer.byteLength(e.MessageBody ?? ''), 0));
      }
      return next(args);
    },
    { step: 'initialize', name: 'recordBatchBytes' },
  );
  beforeAll(async () => {
    queues = await createTestQueues();
  });
  afterAll(async () => {
    await queues.drop();
  });

  it('5 replies of 40,000 Cyrillic characters go out in batches of at most 256 KiB, in order', async () => {
    const texts = Array.from({ length: 5 }, (_, i) => `${i}${'щ'.repeat(40_000)}`);
    const queue = createOutboundQueue({ client, queueUrl: queues.outboundUrl });
    await queue.enqueue(texts.map((t, i) => message(i, t)));
    expect(batchBytes.length).toBeGreaterThan(1);
    expect(Math.max(...batchBytes)).toBeLessThanOrEqual(SQS_BATCH_MAX_BYTES);
    const received = await receiveAll(queues.outboundUrl, queues.client);
    expect(received.map((m) => (JSON.parse(m.Body ?? '') as OutboundQueueMessage).index)).toEqual([
      0, 1, 2, 3, 4,
    ]);
  });

  it('one reply over 256 KiB by itself is a permanent error, and nothing is queued', async () => {
    const queue = createOutboundQueue({ client, queueUrl: queues.outboundUrl });
    const tooLarge = [message(0, 'first'), message(1, 'ж'.repeat(140_000))];
    await expect(queue.enqueue(tooLarge)).rejects.toThrow(PermanentError);
    expect(await receiveAll(queues.outboundUrl, queues.client)).toHaveLength(0);
  });
});
