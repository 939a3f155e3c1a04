/**
 * A record put back "later" (its account's send rate is booked) is invisible for that while and
 * then received again, on the SQS emulator — not after the whole visibility timeout, not at once.
 */
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { runFifoBatch } from '../../../shared/adapters/sqs/fifo-batch';
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

test('a conversation done while its batch waits on another is deleted early: its next message can be received', async () => {
  const send = (group: string, n: number) =>
    queues.client.send(
      new SendMessageCommand({
        QueueUrl: queues.outboundUrl,
        MessageBody: JSON.stringify({ group, n }),
        MessageGroupId: group,
        MessageDeduplicationId: `${group}-${n}`,
      }),
    );
  await send('ch:fast', 1);
  await send('ch:slow', 1);
  await send('ch:fast', 2);
  const received =
    (
      await queues.client.send(
        new ReceiveMessageCommand({
          QueueUrl: queues.outboundUrl,
          WaitTimeSeconds: 1,
          MaxNumberOfMessages: 2,
          MessageSystemAttributeNames: ['MessageGroupId'],
        }),
      )
    ).Messages ?? [];
  const records = received.map(
    (m) =>
      ({
        messageId: m.MessageId!,
        receiptHandle: m.ReceiptHandle!,
        body: m.Body!,
        attributes: { MessageGroupId: m.Attributes?.MessageGroupId, ApproximateReceiveCount: '1' },
      }) as unknown as SQSRecord,
  );
  expect(records.map((r) => JSON.parse(r.body).group).sort()).toEqual(['ch:fast', 'ch:slow']);
  const requeue = createRequeue({ client: queues.client, queueUrl: queues.outboundUrl });
  let nextOfFast: string | undefined;
  const batch = runFifoBatch(
    { Records: records },
    undefined,
    async (record) => {
      if (JSON.parse(record.body).group !== 'ch:slow') return;
      // While this conversation waits, the fast one's next message is receivable.
      const until = Date.now() + 6_000;
      while (!nextOfFast && Date.now() < until) {
        const m = await queues.client.send(
          new ReceiveMessageCommand({
            QueueUrl: queues.outboundUrl,
            WaitTimeSeconds: 1,
            MaxNumberOfMessages: 1,
          }),
        );
        nextOfFast = m.Messages?.[0]?.Body;
      }
    },
    {
      recordBudgetMs: 0,
      requeue,
      notStartedMetric: 'NotStarted',
      deadLetters: { send: async () => undefined },
      deadLetteredMetric: 'DeadLettered',
    },
  );
  const response = await batch;
  expect(response.batchItemFailures).toEqual([]);
  expect(nextOfFast && JSON.parse(nextOfFast)).toEqual({ group: 'ch:fast', n: 2 });
});
