/**
 * Puts agent replies on the outbound FIFO queue, in order, one message group per conversation.
 * The dedup id is the reply id (event id + index), so a re-queued answer is dropped by SQS within
 * its 5-minute window and by the reply function's sent-records after it.
 */

import { createHash } from 'node:crypto';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { conversationGroupId, type OutboundQueueMessage } from '../../domain/queue-messages';
import { RetryableError } from '../../errors';

export interface OutboundQueue {
  /** Sends the messages in order; resolves only when SQS accepted every one. */
  enqueue(messages: OutboundQueueMessage[]): Promise<void>;
}

const BATCH = 10;

/** SQS dedup ids are at most 128 characters of a limited alphabet: hash anything longer or odd. */
export function sqsDeduplicationId(raw: string): string {
  return /^[A-Za-z0-9!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]{1,128}$/.test(raw)
    ? raw
    : createHash('sha256').update(raw).digest('hex');
}

export function createOutboundQueue(options: { client: SQSClient; queueUrl: string }): OutboundQueue {
  return {
    async enqueue(messages) {
      // Batches go one after another: SQS keeps the order of a group across sequential sends.
      for (let i = 0; i < messages.length; i += BATCH) {
        const chunk = messages.slice(i, i + BATCH);
        const result = await options.client.send(
          new SendMessageBatchCommand({
            QueueUrl: options.queueUrl,
            Entries: chunk.map((m, j) => ({
              Id: String(j),
              MessageBody: JSON.stringify(m),
              MessageGroupId: conversationGroupId(m.channelId, m.target.clientId),
              MessageDeduplicationId: sqsDeduplicationId(m.replyId),
            })),
          }),
        );
        if (result.Failed && result.Failed.length > 0) {
          throw new RetryableError(
            'OUTBOUND_QUEUE_FAILED',
            `outbound queue refused ${result.Failed.length} of ${chunk.length} replies: ${result.Failed[0]?.Code ?? 'unknown'}`,
          );
        }
      }
    },
  };
}
