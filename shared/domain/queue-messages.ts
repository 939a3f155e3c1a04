/**
 * Bodies of the messages on the inbound and outbound FIFO queues. Versioned so a deployment can
 * drain old messages while new code runs.
 */
import * as z from 'zod/mini';
import '../zod-en';
import { c2dIdSchema } from './ids';
import { replySchema } from './reply';

/** Where a reply goes: the client and what the inbound event said about the conversation. */
export const replyTargetSchema = z.object({
  clientId: c2dIdSchema,
  transport: z.optional(z.string().check(z.minLength(1))),
  /** Chat2Desk's channel id (the messenger channel inside the account, not our channel id). */
  c2dChannelId: z.optional(c2dIdSchema),
  dialogId: z.optional(c2dIdSchema),
  /** The last inbound message id; transfers to an operator are made on it. */
  lastInboundMessageId: z.optional(c2dIdSchema),
  /** The request the inbound event belonged to: tags go on it. */
  requestId: z.optional(c2dIdSchema),
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
  /**
   * The channel variables of the event answered, kept only with a transfer that may stay with the
   * bot (`whenOffline: "stay"`): the agent hears `c2d: no operators online` with them.
   */
  variables: z.optional(z.record(z.string(), z.string())),
});
export type OutboundQueueMessage = z.infer<typeof outboundQueueMessageSchema>;

/**
 * An event the connector itself raises for the agent, queued on the inbound queue in the client's
 * group (a webhook never carries one: only the reply function writes it).
 */
export const connectorEventSchema = z.object({
  kind: z.literal('noOperatorsOnline'),
  /** The transfer reply that found nobody online; the agent event's id derives from it. */
  replyId: z.string().check(z.minLength(1)),
  target: replyTargetSchema,
  variables: z.optional(z.record(z.string(), z.string())),
});
export type ConnectorEvent = z.infer<typeof connectorEventSchema>;

/** Inbound: the webhook request as received; the worker parses the Chat2Desk body itself. */
export const inboundQueueMessageSchema = z.object({
  v: z.literal(1),
  channelId: z.string().check(z.minLength(1)),
  /** Generation carried by the webhook URL; events of an older generation are dropped. */
  generation: z.number().check(z.int(), z.nonnegative()),
  receivedAt: z.string(),
  /** The raw request body (UTF-8 JSON text). */
  body: z.string(),
  /** Set instead of a webhook body when the connector raised the event (`body` is then `{}`). */
  connectorEvent: z.optional(connectorEventSchema),
});
export type InboundQueueMessage = z.infer<typeof inboundQueueMessageSchema>;

export { conversationGroupId } from './conversation-group';
