/** The agent's answers (DESIGN §4.2 `Reply`). Markdown in text follows the seed's subset. */
import * as z from 'zod/mini';
import '../zod-en';
import { c2dIdSchema } from './ids';
import { MAX_REPLIES_PER_EVENT } from './reply-limits';

const MAX_TEXT = 100_000;
const MAX_BUTTONS = 50;
/** Kept on the conversation record (close phrases, return text) or on the client card: small. */
const MAX_STORED_TEXT = 4000;
const MAX_NOTE = 4000;
const MAX_PHRASE = 256;
const MAX_PHRASES = 20;
const MAX_TAG = 255;
const MAX_TAGS = 50;

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
  /** An internal note for the operators (a Chat2Desk comment), posted before the hand-over; the client never sees it. */
  note: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_NOTE))),
  /** Nobody online to take it: hand over all the same (`transfer`, the default) or keep the dialog with the bot (`stay`). */
  whenOffline: z.optional(z.enum(['transfer', 'stay'])),
  /** Said to the client instead of the hand-over when `whenOffline` is `stay` and nobody is online. */
  offlineText: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_TEXT))),
  /** While the dialog is with a human after this transfer, one of these from the client gives it back to the bot. */
  closePhrases: z.optional(
    z
      .array(z.string().check(z.trim(), z.minLength(1), z.maxLength(MAX_PHRASE)))
      .check(z.minLength(1), z.maxLength(MAX_PHRASES)),
  ),
  /** Said once by the bot when the dialog comes back to it after this transfer. */
  returnText: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_STORED_TEXT))),
});

/** The bot ends the conversation: says `text`, then closes the client's request. */
export const closeReplySchema = z.looseObject({
  type: z.literal('close'),
  text: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_TEXT))),
});

/** Chat2Desk tags (by name or id) on the current request (default) or on the client. */
export const tagsReplySchema = z.looseObject({
  type: z.literal('tags'),
  tags: z
    .array(z.string().check(z.trim(), z.minLength(1), z.maxLength(MAX_TAG)))
    .check(z.minLength(1), z.maxLength(MAX_TAGS)),
  target: z.optional(z.enum(['request', 'client'])),
});

/** Updates the Chat2Desk client card. */
export const clientReplySchema = z
  .looseObject({
    type: z.literal('client'),
    name: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(255))),
    comment: z.optional(z.string().check(z.maxLength(MAX_STORED_TEXT))),
    /** Chat2Desk custom field id → value. */
    customFields: z.optional(
      z.record(z.string().check(z.regex(/^\d{1,20}$/)), z.string().check(z.maxLength(MAX_STORED_TEXT))),
    ),
  })
  .check(
    z.refine(
      (reply) =>
        reply.name !== undefined ||
        reply.comment !== undefined ||
        (reply.customFields !== undefined && Object.keys(reply.customFields).length > 0),
      { message: 'a client reply needs name, comment or customFields' },
    ),
  );

export const replySchema = z.discriminatedUnion('type', [
  textReplySchema,
  fileReplySchema,
  transferReplySchema,
  closeReplySchema,
  tagsReplySchema,
  clientReplySchema,
]);
export type Reply = z.infer<typeof replySchema>;
export type TextReply = z.infer<typeof textReplySchema>;
export type FileReply = z.infer<typeof fileReplySchema>;
export type TransferReply = z.infer<typeof transferReplySchema>;
export type CloseReply = z.infer<typeof closeReplySchema>;
export type TagsReply = z.infer<typeof tagsReplySchema>;
export type ClientReply = z.infer<typeof clientReplySchema>;

export { MAX_REPLIES_PER_EVENT };
export const repliesSchema = z.array(replySchema).check(z.maxLength(MAX_REPLIES_PER_EVENT));
