/**
 * The outbound FIFO queue's message body (queue-messages.ts re-exports it): read by the reply
 * function only, so the worker, which writes it, does not build its schema.
 */
import * as z from 'zod/mini';
import '../zod-en';
import { replySchema } from './reply';
import { replyTargetSchema } from './reply-target';

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
