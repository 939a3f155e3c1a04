/**
 * Puts accepted webhook requests on the inbound FIFO queue (storage first, DESIGN §3 inv. 1).
 *
 * - MessageGroupId: one conversation = channel + client (fallbacks: dialog, request, "misc"), so a
 *   client's events reach the worker in order and a poison event stalls only its conversation.
 * - MessageDeduplicationId: channel + hook_type + message_id (a SHA-256 of the body when there is
 *   no message id), so Chat2Desk's 10-second retry of the same event is dropped by SQS itself.
 *
 * Kept free of zod: it is part of the webhook function's small bundle.
 */
import { createHash } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { InboundQueueMessage } from '../../domain/queue-messages';

/** SQS's limit for one message body (bytes). */
export const SQS_MAX_MESSAGE_BYTES = 256 * 1024;

export interface InboundQueueRouting {
  groupId: string;
  deduplicationId: string;
}

export interface InboundQueue {
  /** Resolves only when SQS accepted the message; throws otherwise. */
  enqueue(message: InboundQueueMessage, routing: InboundQueueRouting): Promise<void>;
}

/** A Chat2Desk id (number or numeric string) as a canonical string; anything else is "no id". */
export function normaliseId(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value === 'string' && /^\s*\d{1,20}\s*$/.test(value)) return BigInt(value.trim()).toString();
  return undefined;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** Same shape as `conversationGroupId` in shared/domain/queue-messages.ts (not imported: zod). */
function groupId(channelId: string, clientKey: string): string {
  return `${channelId}:${clientKey}`;
}

const SQS_ID_ALPHABET = /^[A-Za-z0-9!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]{1,128}$/;
function sqsId(raw: string): string {
  return SQS_ID_ALPHABET.test(raw) ? raw : sha256(raw);
}

/** Group and dedup ids of one webhook body (already known to be a JSON object). */
export function inboundQueueRouting(
  channelId: string,
  body: Record<string, unknown>,
  rawBody: string,
): InboundQueueRouting {
  const clientId = normaliseId(body.client_id);
  const dialogId = normaliseId(body.dialog_id);
  const requestId = normaliseId(body.request_id);
  const clientKey =
    clientId ?? (dialogId ? `dialog:${dialogId}` : requestId ? `request:${requestId}` : 'misc');
  const hookType = typeof body.hook_type === 'string' ? body.hook_type : '';
  const messageId = normaliseId(body.message_id);
  const dedupRaw = messageId
    ? `${channelId}:${hookType}:${messageId}`
    : `${channelId}:${hookType}:body:${sha256(rawBody)}`;
  return { groupId: sqsId(groupId(channelId, clientKey)), deduplicationId: sqsId(dedupRaw) };
}

export function createInboundQueue(options: { client: SQSClient; queueUrl: string }): InboundQueue {
  return {
    async enqueue(message, routing) {
      await options.client.send(
        new SendMessageCommand({
          QueueUrl: options.queueUrl,
          MessageBody: JSON.stringify(message),
          MessageGroupId: routing.groupId,
          MessageDeduplicationId: routing.deduplicationId,
        }),
      );
    },
  };
}
