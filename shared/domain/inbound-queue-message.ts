/**
 * The inbound FIFO queue's message body (queue-messages.ts re-exports it): read by the worker
 * only, so the reply function, which writes connector events to it, does not build its schema.
 */
import * as z from 'zod/mini';
import '../zod-en';
import { replyTargetSchema } from './reply-target';

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
