/**
 * Moves a record that can never succeed straight to its dead-letter queue, with the reason in
 * message attributes, so a permanent failure is decided once: no redeliveries until
 * `maxReceiveCount`, no second agent call. The body is the record's body unchanged, so the DLQ tools
 * (`scripts/dlq-*.ts`) redrive it like any other.
 *
 * Attributes: `FailureCode` (a stable code), `FailureReason` (redacted, ≤ 500 characters),
 * `FailedBy` (the function), `FailedAt` (ISO time), `SourceMessageId`, `ReceiveCount`.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { redactSecrets } from '../../redaction';

export interface DeadLetterReason {
  code: string;
  message: string;
}

export interface DeadLetters {
  /** Resolves only when the DLQ holds the record; throws otherwise (the record is then retried). */
  send(record: SQSRecord, reason: DeadLetterReason): Promise<void>;
}

const text = (value: string) => ({ DataType: 'String', StringValue: value });

/** Message attribute the DLQ tools (`scripts/dlq-tools.ts`) set on a record they move back. */
export const REDRIVEN_FROM_ATTRIBUTE = 'RedrivenFrom';

/**
 * The move back from the DLQ a record came by, if any: `RedrivenFrom` (the DLQ message id, set by
 * `dlq-redrive`), else `SourceMessageId` (set when the record was dead-lettered here, and kept by
 * any redrive that keeps attributes, such as the SQS console's). A record that never went through
 * the DLQ has neither.
 */
export function redriveIdOf(record: SQSRecord): string | undefined {
  const attributes = record.messageAttributes ?? {};
  return (
    attributes[REDRIVEN_FROM_ATTRIBUTE]?.stringValue || attributes.SourceMessageId?.stringValue || undefined
  );
}

export function createDeadLetters(options: {
  client: SQSClient;
  queueUrl: string;
  functionName: string;
}): DeadLetters {
  return {
    async send(record, reason) {
      const groupId = record.attributes.MessageGroupId;
      await options.client.send(
        new SendMessageCommand({
          QueueUrl: options.queueUrl,
          MessageBody: record.body,
          // FIFO DLQ: the conversation's group, and a dedup id per source message.
          ...(groupId ? { MessageGroupId: groupId } : {}),
          MessageDeduplicationId: record.messageId,
          MessageAttributes: {
            FailureCode: text(reason.code),
            FailureReason: text(redactSecrets(reason.message).slice(0, 500) || 'unknown'),
            FailedBy: text(options.functionName),
            FailedAt: text(new Date().toISOString()),
            SourceMessageId: text(record.messageId),
            ReceiveCount: text(record.attributes.ApproximateReceiveCount ?? '1'),
          },
        }),
      );
    },
  };
}
