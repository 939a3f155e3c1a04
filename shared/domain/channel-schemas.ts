/**
 * The management contract's schemas of a channel's fields (create, update) and of a chat id (send):
 * used by channel management only, so apart from the channel type (channel.ts), which every function
 * imports. Each is built on its first use (`once`): by the first command that reads it, not at
 * every cold start of channel management.
 */
import * as z from 'zod/mini';
import { once } from '../build-once';
import '../zod-en';
import { CHAT_ID_SUFFIX, DEFAULT_CHANNEL_NAME } from './channel';
import { c2dIdSchema } from './ids';

const MAX_NAME = 200;
const MAX_TOKEN = 512;
const MAX_URL = 2048;

export const channelNameSchema = once(() =>
  z.string().check(z.trim(), z.minLength(1), z.maxLength(MAX_NAME)),
);
/** Syntax only; reachability and the SSRF guard are checked where the URL is used. */
export const apiUrlSchema = once(() =>
  z.pipe(
    z.url({ protocol: /^https?$/ }).check(z.maxLength(MAX_URL)),
    z.transform((u: string) => u.replace(/\/+$/, '')),
  ),
);
export const tokenSchema = once(() =>
  z
    .string()
    .check(
      z.trim(),
      z.minLength(1),
      z.maxLength(MAX_TOKEN),
      z.regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces'),
    ),
);

export const channelFieldsSchema = once(() =>
  z.strictObject({
    name: z._default(channelNameSchema(), DEFAULT_CHANNEL_NAME),
    apiUrl: apiUrlSchema(),
    token: tokenSchema(),
    operatorId: z.optional(c2dIdSchema),
    serviceMessages: z._default(z.boolean(), false),
    /** Refuse unsigned webhook deliveries from the start (otherwise from the first signed one on). */
    requireSignature: z._default(z.boolean(), false),
  }),
);
export type ChannelFields = z.output<ReturnType<typeof channelFieldsSchema>>;

/** `update.changes`: any subset; `operatorId: null` clears the operator. */
export const channelChangesSchema = once(() =>
  z.strictObject({
    name: z.optional(channelNameSchema()),
    apiUrl: z.optional(apiUrlSchema()),
    token: z.optional(tokenSchema()),
    operatorId: z.optional(z.nullable(c2dIdSchema)),
    serviceMessages: z.optional(z.boolean()),
    requireSignature: z.optional(z.boolean()),
  }),
);
export type ChannelChanges = z.output<ReturnType<typeof channelChangesSchema>>;

export const chatIdSchema = once(() =>
  z.pipe(
    z.string().check(z.regex(/^\d{1,20}\|chat2desk$/, 'must be <client_id>|chat2desk')),
    z.transform((s: string) => ({ chatId: s, clientId: s.slice(0, -CHAT_ID_SUFFIX.length) })),
  ),
);
