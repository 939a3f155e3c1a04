/**
 * Makes records of the current batch visible again at once (ChangeMessageVisibility 0): for
 * records the worker did not start because its invocation had too little time left; or after a
 * delay (`later`): for records that cannot pass before then (a throttled account's sends); or
 * deletes handled records early (`done`), so one conversation left waiting in a batch does not hold
 * the others' next messages until the invocation ends.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';

export interface Requeue {
  now(records: SQSRecord[]): Promise<void>;
  /** Visible again in `seconds` (0–43 200). */
  later?(records: SQSRecord[], seconds: number): Promise<void>;
  /**
   * Deleted now, before the invocation ends (handled records of a conversation whose batch is
   * still held by another one): the conversation's next messages can be received at once.
   */
  done?(records: SQSRecord[]): Promise<void>;
}

/** SQS's batch requests take at most 10 entries: `send` runs once per chunk, in order. */
async function inChunksOf10(records: SQSRecord[], send: (chunk: SQSRecord[]) => Promise<void>) {
  for (let i = 0; i < records.length; i += 10) await send(records.slice(i, i + 10));
}

export function createRequeue(options: { client: SQSClient; queueUrl: string }): Requeue {
  const after = (records: SQSRecord[], seconds: number) => {
    const visibility = Math.max(0, Math.min(43_200, Math.ceil(seconds)));
    return inChunksOf10(records, async (chunk) => {
      await options.client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: options.queueUrl,
          Entries: chunk.map((r, n) => ({
            Id: String(n),
            ReceiptHandle: r.receiptHandle,
            VisibilityTimeout: visibility,
          })),
        }),
      );
    });
  };
  const done = (records: SQSRecord[]) =>
    inChunksOf10(records, async (chunk) => {
      const result = await options.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: options.queueUrl,
          Entries: chunk.map((r, n) => ({ Id: String(n), ReceiptHandle: r.receiptHandle })),
        }),
      );
      if (result.Failed?.length) throw new Error(`${result.Failed.length} handled records not deleted early`);
    });
  return { now: (records) => after(records, 0), later: after, done };
}
