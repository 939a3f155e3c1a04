/**
 * The channel: one connection of one agent to one Chat2Desk account (token).
 * Field names and shapes are the management contract (DESIGN §4.1).
 */
import * as z from 'zod/mini';
import { maskToken } from '../redaction';
import '../zod-en';
import { c2dIdSchema } from './ids';

export const CHANNEL_TYPE = 'chat2desk' as const;
export const DEFAULT_CHANNEL_NAME = 'New channel';

const MAX_NAME = 200;
const MAX_TOKEN = 512;
const MAX_URL = 2048;

export const channelNameSchema = z.string().check(z.trim(), z.minLength(1), z.maxLength(MAX_NAME));
/** Syntax only; reachability and the SSRF guard are checked where the URL is used. */
export const apiUrlSchema = z.pipe(
  z.url({ protocol: /^https?$/ }).check(z.maxLength(MAX_URL)),
  z.transform((u: string) => u.replace(/\/+$/, '')),
);
export const tokenSchema = z
  .string()
  .check(
    z.trim(),
    z.minLength(1),
    z.maxLength(MAX_TOKEN),
    z.regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces'),
  );

export const channelFieldsSchema = z.strictObject({
  name: z._default(channelNameSchema, DEFAULT_CHANNEL_NAME),
  apiUrl: apiUrlSchema,
  token: tokenSchema,
  operatorId: z.optional(c2dIdSchema),
  serviceMessages: z._default(z.boolean(), false),
  /** Refuse unsigned webhook deliveries from the start (otherwise from the first signed one on). */
  requireSignature: z._default(z.boolean(), false),
});
export type ChannelFields = z.output<typeof channelFieldsSchema>;

/** `update.changes`: any subset; `operatorId: null` clears the operator. */
export const channelChangesSchema = z.strictObject({
  name: z.optional(channelNameSchema),
  apiUrl: z.optional(apiUrlSchema),
  token: z.optional(tokenSchema),
  operatorId: z.optional(z.nullable(c2dIdSchema)),
  serviceMessages: z.optional(z.boolean()),
  requireSignature: z.optional(z.boolean()),
});
export type ChannelChanges = z.output<typeof channelChangesSchema>;

export type ChannelStatus = 'inactive' | 'active';

/** The stored channel (the token is encrypted at rest by the table's KMS key). */
export interface Channel {
  id: string;
  agentId: string;
  type: typeof CHANNEL_TYPE;
  name: string;
  apiUrl: string;
  token: string;
  operatorId?: string;
  serviceMessages: boolean;
  /** Unsigned webhook deliveries are refused (401) from the start. */
  requireSignature: boolean;
  /**
   * When the first correctly signed delivery of the current account arrived: from then on unsigned
   * deliveries are refused, as with `requireSignature`. Cleared when the account changes.
   */
  signedSince?: string;
  status: ChannelStatus;
  /**
   * Bumped by each activation and by each account change (token or apiUrl); webhook URLs carry it,
   * URLs of older generations stop working.
   */
  generation: number;
  /** Chat2Desk's id of our registered webhook, while active. */
  webhookId?: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** What the platform sees: the token masked, plus the webhook URL. */
export interface ChannelView {
  id: string;
  agentId: string;
  type: typeof CHANNEL_TYPE;
  name: string;
  apiUrl: string;
  token: string;
  operatorId?: string;
  serviceMessages: boolean;
  requireSignature: boolean;
  /** Present once a signed delivery was seen: unsigned ones are refused since then. */
  signedSince?: string;
  status: ChannelStatus;
  webhookUrl: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export function toChannelView(channel: Channel, webhookUrl: string): ChannelView {
  const view: ChannelView = {
    id: channel.id,
    agentId: channel.agentId,
    type: channel.type,
    name: channel.name,
    apiUrl: channel.apiUrl,
    token: maskToken(channel.token),
    serviceMessages: channel.serviceMessages,
    requireSignature: channel.requireSignature,
    status: channel.status,
    webhookUrl,
    version: channel.version,
    createdAt: channel.createdAt,
    updatedAt: channel.updatedAt,
  };
  if (channel.operatorId !== undefined) view.operatorId = channel.operatorId;
  if (channel.signedSince !== undefined) view.signedSince = channel.signedSince;
  return view;
}

/** `chatId` of the agent contract: `<client_id>|chat2desk`. */
export const CHAT_ID_SUFFIX = '|chat2desk';
export function toChatId(clientId: string): string {
  return `${clientId}${CHAT_ID_SUFFIX}`;
}
export const chatIdSchema = z.pipe(
  z.string().check(z.regex(/^\d{1,20}\|chat2desk$/, 'must be <client_id>|chat2desk')),
  z.transform((s: string) => ({ chatId: s, clientId: s.slice(0, -CHAT_ID_SUFFIX.length) })),
);
