/**
 * Puts agent replies on the outbound FIFO queue, in order, one message group per conversation.
 * The dedup id is the reply id (event id + index), so a re-queued answer is dropped by SQS within
 * its 5-minute window and by the reply function's sent-records after it.
 *
 * Batches are cut by count (10) and by bytes: SQS takes at most 256 KiB per message and per
 * SendMessageBatch (queues may allow 1 MiB today; 256 KiB holds for every queue). A long answer
 * (five texts of 40,000 Cyrillic characters are ≈ 450 KB) goes out in several batches, in order.
 * One reply over 256 KiB by itself can never be queued: a permanent error with its size.
 */

import { createHash } from 'node:crypto';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { conversationGroupId } from '../../domain/conversation-group';
import type { OutboundQueueMessage } from '../../domain/queue-messages';
import { PermanentError, RetryableError } from '../../errors';
import type { OutboundQueue } from '../../outbound/ports';

const BATCH = 10;
/** SQS's limit per message and per SendMessageBatch (the sum of its bodies), in bytes. */
export const SQS_BATCH_MAX_BYTES = 256 * 1024;

interface Entry {
  message: OutboundQueueMessage;
  body: string;
  bytes: number;
}

/** Consecutive runs of at most BATCH entries and SQS_BATCH_MAX_BYTES bytes, in order. */
function batchesOf(messages: OutboundQueueMessage[]): Entry[][] {
  const batches: Entry[][] = [];
  let current: Entry[] = [];
  let bytes = 0;
  for (const message of messages) {
    const body = JSON.stringify(message);
    const entry = { message, body, bytes: Buffer.byteLength(body) };
    if (entry.bytes > SQS_BATCH_MAX_BYTES) {
      throw new PermanentError(
        'REPLY_TOO_LARGE',
        `reply ${message.index} is ${entry.bytes} bytes queued, over SQS's ${SQS_BATCH_MAX_BYTES}-byte message limit`,
      );
    }
    if (current.length === BATCH || bytes + entry.bytes > SQS_BATCH_MAX_BYTES) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += entry.bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

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
      for (const chunk of batchesOf(messages)) {
        const result = await options.client.send(
          new SendMessageBatchCommand({
            QueueUrl: options.queueUrl,
            Entries: chunk.map(({ message: m, body }, j) => ({
              Id: String(j),
              MessageBody: body,
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
