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
