/**
 * Bodies of the messages on the inbound and outbound FIFO queues. Versioned so a deployment can
 * drain old messages while new code runs.
 */
import * as z from 'zod/mini';
import '../zod-en';
import { c2dIdSchema } from './ids';
import { replySchema } from './reply';

/** Inbound: the webhook request as received; the worker parses the Chat2Desk body itself. */
export const inboundQueueMessageSchema = z.object({
  v: z.literal(1),
  channelId: z.string().check(z.minLength(1)),
  /** Generation carried by the webhook URL; events of an older generation are dropped. */
  generation: z.number().check(z.int(), z.nonnegative()),
  receivedAt: z.string(),
  /** The raw request body (UTF-8 JSON text). */
  body: z.string(),
});
export type InboundQueueMessage = z.infer<typeof inboundQueueMessageSchema>;

/** Where a reply goes: the client and what the inbound event said about the conversation. */
export const replyTargetSchema = z.object({
  clientId: c2dIdSchema,
  transport: z.optional(z.string().check(z.minLength(1))),
  /** Chat2Desk's channel id (the messenger channel inside the account, not our channel id). */
  c2dChannelId: z.optional(c2dIdSchema),
  dialogId: z.optional(c2dIdSchema),
  /** The last inbound message id; transfers to an operator are made on it. */
  lastInboundMessageId: z.optional(c2dIdSchema),
});
export type ReplyTarget = z.infer<typeof replyTargetSchema>;

/** Outbound: one agent reply to render and send. `replyId` is unique and stable across retries. */
export const outboundQueueMessageSchema = z.object({
  v: z.literal(1),
  replyId: z.string().check(z.minLength(1)),
  eventId: z.string().check(z.minLength(1)),
  channelId: z.string().check(z.minLength(1)),
  /** The channel's generation when the reply was queued: a reply function caching an older one re-reads. */
  generation: z.optional(z.number().check(z.int(), z.nonnegative())),
  index: z.number().check(z.int(), z.nonnegative()),
  target: replyTargetSchema,
  reply: replySchema,
});
export type OutboundQueueMessage = z.infer<typeof outboundQueueMessageSchema>;

/** FIFO message group: one conversation (channel + client), so order holds per client only. */
export function conversationGroupId(channelId: string, clientKey: string): string {
  return `${channelId}:${clientKey}`;
}
