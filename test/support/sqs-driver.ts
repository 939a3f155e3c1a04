/**
 * Drives an SQS consumer the way the Lambda event source mapping does: receive a batch from the
 * emulator, call the handler with a real `SQSEvent`, delete the records that succeeded and leave
 * the reported failures (or the whole batch, when the handler throws) for redelivery after the
 * visibility timeout. Messages past maxReceiveCount move to the DLQ on the emulator's next receive.
 *
 *   const result = await drainQueue(queueUrl, (event) => handler(event, testContext()));
 *   // → { received, succeeded, failed, rounds }, resolved once the queue is empty
 *
 * fauxqs returns at most one message per message group per receive (AWS may return several).
 */

import { randomUUID } from 'node:crypto';
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { testSqsClient } from './aws';
import { queueDepth } from './queues';

export type SqsHandler = (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;

export interface DrainOptions {
  client?: SQSClient;
  /** Records per invocation (1..10). Default 10. */
  batchSize?: number;
  /** Seconds a received message stays invisible; a failed record comes back after it. Default 1. */
  visibilityTimeout?: number;
  /** Give up (and throw) after this long; the queue must be empty by then. Default 25 s. */
  timeoutMs?: number;
  /** Number of concurrent pollers, like Lambda concurrency. Default 1. */
  concurrency?: number;
}

export interface DrainResult {
  received: number;
  succeeded: number;
  failed: number;
  rounds: number;
}

const REGION = 'us-east-1';

/** A Lambda context good enough for Powertools (remaining time drives in-progress expiry). */
export function testContext(remainingMs = 60_000): Context {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'test-function',
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:000000000000:function:test-function`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/test-function',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Turns received messages into the records Lambda would deliver. */
export function toSqsEvent(queueUrl: string, messages: Message[]): SQSEvent {
  const queueName = queueUrl.split('/').pop() ?? 'queue';
  return {
    Records: messages.map(
      (m): SQSRecord => ({
        messageId: m.MessageId!,
        receiptHandle: m.ReceiptHandle!,
        body: m.Body ?? '',
        attributes: {
          ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
          SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()),
          SenderId: 'local',
          ApproximateFirstReceiveTimestamp:
            m.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
          ...(m.Attributes?.MessageGroupId ? { MessageGroupId: m.Attributes.MessageGroupId } : {}),
          ...(m.Attributes?.MessageDeduplicationId
            ? { MessageDeduplicationId: m.Attributes.MessageDeduplicationId }
            : {}),
          ...(m.Attributes?.SequenceNumber ? { SequenceNumber: m.Attributes.SequenceNumber } : {}),
        },
        messageAttributes: {},
        md5OfBody: m.MD5OfBody ?? '',
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:${REGION}:000000000000:${queueName}`,
        awsRegion: REGION,
      }),
    ),
  };
}

async function queueIsEmpty(client: SQSClient, queueUrl: string): Promise<boolean> {
  return (await queueDepth(client, queueUrl)) === 0;
}

/** Receives one batch, runs the handler, deletes what succeeded. Returns the counts. */
export async function pollOnce(
  queueUrl: string,
  handler: SqsHandler,
  options: DrainOptions = {},
): Promise<{ received: number; succeeded: number; failed: number }> {
  const client = options.client ?? testSqsClient();
  const received = await client.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: options.batchSize ?? 10,
      VisibilityTimeout: options.visibilityTimeout ?? 1,
      WaitTimeSeconds: 0,
      MessageSystemAttributeNames: ['All'],
    }),
  );
  const messages = received.Messages ?? [];
  if (messages.length === 0) return { received: 0, succeeded: 0, failed: 0 };
  const event = toSqsEvent(queueUrl, messages);
  let failedIds: Set<string>;
  try {
    const response = await handler(event);
    failedIds = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
  } catch {
    // A thrown handler fails the whole batch, as with Lambda.
    failedIds = new Set(messages.map((m) => m.MessageId!));
  }
  const done = messages.filter((m) => !failedIds.has(m.MessageId!));
  if (done.length > 0) {
    await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
  return { received: messages.length, succeeded: done.length, failed: messages.length - done.length };
}

/**
 * Polls until the queue has no visible and no in-flight messages (failed records are retried
 * until they succeed or reach the DLQ). Throws when `timeoutMs` passes first.
 */
export async function drainQueue(
  queueUrl: string,
  handler: SqsHandler,
  options: DrainOptions = {},
): Promise<DrainResult> {
  const client = options.client ?? testSqsClient();
  const deadline = Date.now() + (options.timeoutMs ?? 25_000);
  const total: DrainResult = { received: 0, succeeded: 0, failed: 0, rounds: 0 };
  const poller = async () => {
    while (Date.now() < deadline) {
      const r = await pollOnce(queueUrl, handler, { ...options, client });
      total.rounds += 1;
      total.received += r.received;
      total.succeeded += r.succeeded;
      total.failed += r.failed;
      if (r.received === 0) {
        if (await queueIsEmpty(client, queueUrl)) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 1) }, poller));
  if (!(await queueIsEmpty(client, queueUrl))) {
    throw new Error(`drainQueue: ${queueUrl} still has messages after ${options.timeoutMs ?? 25_000} ms`);
  }
  return total;
}

/** Every message currently visible on a queue (e.g. a DLQ or the outbound queue), deleted as read. */
export async function receiveAll(
  queueUrl: string,
  client: SQSClient = testSqsClient(),
  options: { MessageAttributeNames?: string[] } = {},
): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const r = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 30,
        MessageSystemAttributeNames: ['All'],
        ...options,
      }),
    );
    const messages = r.Messages ?? [];
    if (messages.length === 0) return all;
    all.push(...messages);
    await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
}
