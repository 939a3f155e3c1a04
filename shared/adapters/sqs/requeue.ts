/**
 * Makes records of the current batch visible again at once (ChangeMessageVisibility 0): for
 * records the worker did not start because its invocation had too little time left.
 */
import { ChangeMessageVisibilityBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';

export interface Requeue {
  now(records: SQSRecord[]): Promise<void>;
}

export function createRequeue(options: { client: SQSClient; queueUrl: string }): Requeue {
  return {
    async now(records) {
      for (let i = 0; i < records.length; i += 10) {
        const chunk = records.slice(i, i + 10);
        await options.client.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: options.queueUrl,
            Entries: chunk.map((r, n) => ({
              Id: String(n),
              ReceiptHandle: r.receiptHandle,
              VisibilityTimeout: 0,
            })),
          }),
        );
      }
    },
  };
}
