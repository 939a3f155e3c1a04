/** The agent's answers (DESIGN §4.2 `Reply`). Markdown in text follows the seed's subset. */
import * as z from 'zod/mini';
import '../zod-en';
import { c2dIdSchema } from './ids';

const MAX_TEXT = 100_000;
const MAX_BUTTONS = 50;

const httpUrl = (max: number) => z.url({ protocol: /^https?$/ }).check(z.maxLength(max));

export const buttonSchema = z.looseObject({
  text: z.string().check(z.trim(), z.minLength(1), z.maxLength(256)),
  /** A url button opens the link instead of sending its text back. */
  url: z.optional(httpUrl(2048)),
  /** Sent back instead of the label where the transport supports it. */
  payload: z.optional(z.string().check(z.maxLength(1024))),
});
export type Button = z.infer<typeof buttonSchema>;

export const textReplySchema = z.looseObject({
  type: z.literal('text'),
  text: z.string().check(z.minLength(1), z.maxLength(MAX_TEXT)),
  buttons: z.optional(z.array(buttonSchema).check(z.maxLength(MAX_BUTTONS))),
});

export const fileReplySchema = z.looseObject({
  type: z.literal('file'),
  url: httpUrl(2048),
  name: z.optional(z.string().check(z.minLength(1), z.maxLength(255))),
  mimeType: z.optional(z.string().check(z.minLength(1), z.maxLength(255))),
  /** Send the link in the text instead of as an attachment. */
  asLink: z.optional(z.boolean()),
});

export const transferReplySchema = z.looseObject({
  type: z.literal('transfer'),
  operatorId: z.optional(c2dIdSchema),
  groupId: z.optional(c2dIdSchema),
  /** Said to the client before the hand-over. */
  text: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_TEXT))),
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
export const repliesSchema = z.array(replySchema).check(z.maxLength(MAX_REPLIES_PER_EVENT));
