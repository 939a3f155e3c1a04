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

/**
 * The queue a record came from, of `queueUrls`: the URL whose queue name (its last path segment) is
 * the name in the record's `eventSourceARN`; the first URL when none matches.
 */
export function queueUrlOfRecord(record: SQSRecord, queueUrls: readonly string[]): string {
  const name = record.eventSourceARN?.split(':').pop();
  return queueUrls.find((url) => name !== undefined && url.split('/').pop() === name) ?? queueUrls[0]!;
}

/** The records by the queue each came from (a consumer of several inbound shards). */
async function perQueue(
  records: SQSRecord[],
  queueUrls: readonly string[],
  run: (queueUrl: string, records: SQSRecord[]) => Promise<void>,
): Promise<void> {
  const groups = new Map<string, SQSRecord[]>();
  for (const record of records) {
    const url = queueUrlOfRecord(record, queueUrls);
    groups.set(url, [...(groups.get(url) ?? []), record]);
  }
  for (const [url, own] of groups) await run(url, own);
}

/** `queueUrl`: the consumed queue, or every queue the consumer reads (the inbound shards). */
export function createRequeue(options: { client: SQSClient; queueUrl: string | readonly string[] }): Requeue {
  const queueUrls = typeof options.queueUrl === 'string' ? [options.queueUrl] : options.queueUrl;
  if (queueUrls.length === 0) throw new Error('createRequeue: no queue URL');
  const after = (all: SQSRecord[], seconds: number) => {
    const visibility = Math.max(0, Math.min(43_200, Math.ceil(seconds)));
    return perQueue(all, queueUrls, (queueUrl, records) =>
      inChunksOf10(records, async (chunk) => {
        await options.client.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queueUrl,
            Entries: chunk.map((r, n) => ({
              Id: String(n),
              ReceiptHandle: r.receiptHandle,
              VisibilityTimeout: visibility,
            })),
          }),
        );
      }),
    );
  };
  const done = (all: SQSRecord[]) =>
    perQueue(all, queueUrls, (queueUrl, records) =>
      inChunksOf10(records, async (chunk) => {
        const result = await options.client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: chunk.map((r, n) => ({ Id: String(n), ReceiptHandle: r.receiptHandle })),
          }),
        );
        if (result.Failed?.length)
          throw new Error(`${result.Failed.length} handled records not deleted early`);
      }),
    );
  return { now: (records) => after(records, 0), later: after, done };
}
