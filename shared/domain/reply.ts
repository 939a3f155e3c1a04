/** The agent's answers (DESIGN §4.2 `Reply`). Markdown in text follows the seed's subset. */
import { z } from 'zod';
import { c2dIdSchema } from './ids';

const MAX_TEXT = 100_000;
const MAX_BUTTONS = 50;

export const buttonSchema = z.looseObject({
  text: z.string().trim().min(1).max(256),
  /** A url button opens the link instead of sending its text back. */
  url: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .optional(),
  /** Sent back instead of the label where the transport supports it. */
  payload: z.string().max(1024).optional(),
});
export type Button = z.infer<typeof buttonSchema>;

export const textReplySchema = z.looseObject({
  type: z.literal('text'),
  text: z.string().min(1).max(MAX_TEXT),
  buttons: z.array(buttonSchema).max(MAX_BUTTONS).optional(),
});

export const fileReplySchema = z.looseObject({
  type: z.literal('file'),
  url: z.url({ protocol: /^https?$/ }).max(2048),
  name: z.string().min(1).max(255).optional(),
  mimeType: z.string().min(1).max(255).optional(),
  /** Send the link in the text instead of as an attachment. */
  asLink: z.boolean().optional(),
});

export const transferReplySchema = z.looseObject({
  type: z.literal('transfer'),
  operatorId: c2dIdSchema.optional(),
  groupId: c2dIdSchema.optional(),
  /** Said to the client before the hand-over. */
  text: z.string().min(1).max(MAX_TEXT).optional(),
});

export const replySchema = z.discriminatedUnion('type', [
  textReplySchema,
  fileReplySchema,
  transferReplySchema,
]);
export type Reply = z.infer<typeof replySchema>;
export type TextReply = z.infer<typeof textReplySchema>;
export type FileReply = z.infer<typeof fileReplySchema>;
export type TransferReply = z.infer<typeof transferReplySchema>;

export const MAX_REPLIES_PER_EVENT = 50;
export const repliesSchema = z.array(replySchema).max(MAX_REPLIES_PER_EVENT);
