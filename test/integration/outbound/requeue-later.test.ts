/**
 * A record put back "later" (its account's send rate is booked) is invisible for that while and
 * then received again, on the SQS emulator — not after the whole visibility timeout, not at once.
 */
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { createRequeue } from '../../../shared/adapters/sqs/requeue';
import { createTestQueues, type TestQueues } from '../../support/queues';

let queues: TestQueues;
beforeAll(async () => {
  queues = await createTestQueues({ visibilityTimeoutSeconds: 60 });
});
afterAll(() => queues.drop());

test('requeue later: invisible for the given seconds, then received again', async () => {
  await queues.client.send(
    new SendMessageCommand({
      QueueUrl: queues.outboundUrl,
      MessageBody: '{"reply":1}',
      MessageGroupId: 'ch:1',
      MessageDeduplicationId: 'reply-1',
    }),
  );
  const receive = (wait: number) =>
    queues.client.send(
      new ReceiveMessageCommand({
        QueueUrl: queues.outboundUrl,
        WaitTimeSeconds: wait,
        MaxNumberOfMessages: 1,
      }),
    );
  const first = (await receive(1)).Messages?.[0];
  expect(first?.Body).toBe('{"reply":1}');
  const record = { messageId: first!.MessageId!, receiptHandle: first!.ReceiptHandle! } as SQSRecord;
  const putBackAt = Date.now();
  await createRequeue({ client: queues.client, queueUrl: queues.outboundUrl }).later!([record], 2);
  expect((await receive(0)).Messages ?? []).toHaveLength(0);
  let again: string | undefined;
  while (!again && Date.now() - putBackAt < 10_000) again = (await receive(1)).Messages?.[0]?.Body;
  const after = Date.now() - putBackAt;
  expect(again).toBe('{"reply":1}');
  expect(after).toBeGreaterThanOrEqual(1_500);
  expect(after).toBeLessThan(10_000);
});
