/**
 * Puts accepted webhook requests on the inbound FIFO queue (storage first, DESIGN §3 inv. 1).
 *
 * - MessageGroupId: one conversation = channel + client (fallbacks: dialog, request, "misc"), so a
 *   client's events reach the worker in order and a poison event stalls only its conversation.
 * - MessageDeduplicationId: channel + hook_type + message_id (a SHA-256 of the body when there is
 *   no message id), so Chat2Desk's 10-second retry of the same event is dropped by SQS itself.
 * - Takeover signals (`outbox`, `dialog_transferred`) are queued twice, in one batch: in the
 *   conversation's group, in order with the client's messages, and in a takeover group of their
 *   own, so the takeover is recorded while the client's previous message is still with the agent
 *   and that message's answer is held back. Both copies record the same fact with the same
 *   Chat2Desk event time, so whichever comes second changes nothing. The echo of our own message
 *   (an `outbox` with our external id) is never a takeover: it is queued once.
 *
 * Kept free of zod: it is part of the webhook function's small bundle.
 */
import { createHash } from 'node:crypto';
import { SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { externalIdOf, isOurExternalId } from '../../conversations/own-external-id';
import type { InboundQueueMessage } from '../../domain/queue-messages';
import { inboundQueueUrlOf } from '../../inbound/shards';

/** SQS's limit for one message body (bytes). */
export const SQS_MAX_MESSAGE_BYTES = 256 * 1024;

export interface InboundQueueRouting {
  groupId: string;
  deduplicationId: string;
  /** Set for takeover signals: the group of the second, early copy. */
  takeoverGroupId?: string;
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
const TAKEOVER_HOOKS: ReadonlySet<string> = new Set(['outbox', 'dialog_transferred']);

export function inboundQueueRouting(
  channelId: string,
  body: Record<string, unknown>,
  rawBody: string,
  /** The server key our external ids are signed with: our own echo is not a takeover. */
  externalIdKey: string,
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
  const routing: InboundQueueRouting = {
    groupId: sqsId(groupId(channelId, clientKey)),
    deduplicationId: sqsId(dedupRaw),
  };
  if (TAKEOVER_HOOKS.has(hookType) && !isOurExternalId(externalIdKey, channelId, externalIdOf(body)))
    routing.takeoverGroupId = sqsId(groupId(channelId, `${clientKey}:takeover`));
  return routing;
}

/**
 * `queueUrl`: the inbound queue, or every inbound shard's queue in shard order; a message goes to
 * its channel's shard (shared/inbound/shards.ts), both copies of a takeover signal with it.
 */
export function createInboundQueue(options: {
  client: SQSClient;
  queueUrl: string | readonly string[];
}): InboundQueue {
  const shardUrls = typeof options.queueUrl === 'string' ? [options.queueUrl] : options.queueUrl;
  return {
    async enqueue(message, routing) {
      const queueUrl = inboundQueueUrlOf(message.channelId, shardUrls);
      const body = JSON.stringify(message);
      const copies = [
        { id: 'conversation', groupId: routing.groupId, deduplicationId: routing.deduplicationId },
      ];
      if (routing.takeoverGroupId) {
        copies.push({
          id: 'takeover',
          groupId: routing.takeoverGroupId,
          deduplicationId: sqsId(`${routing.deduplicationId}:takeover`),
        });
      }
      // One batch when both copies fit SQS's 256 KiB per request, else one send each.
      if (copies.length === 1 || Buffer.byteLength(body, 'utf8') * copies.length > SQS_MAX_MESSAGE_BYTES) {
        for (const copy of copies) {
          await options.client.send(
            new SendMessageCommand({
              QueueUrl: queueUrl,
              MessageBody: body,
              MessageGroupId: copy.groupId,
              MessageDeduplicationId: copy.deduplicationId,
            }),
          );
        }
        return;
      }
      const result = await options.client.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: copies.map((copy) => ({
            Id: copy.id,
            MessageBody: body,
            MessageGroupId: copy.groupId,
            MessageDeduplicationId: copy.deduplicationId,
          })),
        }),
      );
      // Not stored means not acknowledged: Chat2Desk retries, and SQS drops the copy it already has.
      if (result.Failed && result.Failed.length > 0) {
        throw new Error(
          `inbound queue refused ${result.Failed.length} of 2 copies (${result.Failed[0]?.Code})`,
        );
      }
    },
  };
}
