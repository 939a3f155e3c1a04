/**
 * Makes records of the current batch visible again at once (ChangeMessageVisibility 0): for
 * records the worker did not start because its invocation had too little time left; or after a
 * delay (`later`): for records that cannot pass before then (a throttled account's sends).
 */
import { ChangeMessageVisibilityBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';

export interface Requeue {
  now(records: SQSRecord[]): Promise<void>;
  /** Visible again in `seconds` (0–43 200). */
  later?(records: SQSRecord[], seconds: number): Promise<void>;
}

export function createRequeue(options: { client: SQSClient; queueUrl: string }): Requeue {
  const after = async (records: SQSRecord[], seconds: number) => {
    const visibility = Math.max(0, Math.min(43_200, Math.ceil(seconds)));
    for (let i = 0; i < records.length; i += 10) {
      const chunk = records.slice(i, i + 10);
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
    }
  };
  return { now: (records) => after(records, 0), later: after };
}
