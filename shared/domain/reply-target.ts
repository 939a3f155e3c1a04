/** Where a reply goes (the outbound queue message's and the connector event's `target`). */
import * as z from 'zod/mini';
import '../zod-en';
import { c2dIdSchema } from './ids';

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
