/**
 * The channel: one connection of one agent to one Chat2Desk account (token).
 * Field names and shapes are the management contract (DESIGN §4.1); their schemas are in
 * channel-schemas.ts, apart, so that the functions that only read channels (worker, reply, healer)
 * do not build them at every cold start.
 */
import { maskToken } from '../redaction';

export const CHANNEL_TYPE = 'chat2desk' as const;
export const DEFAULT_CHANNEL_NAME = 'New channel';

export type { ChannelChanges, ChannelFields } from './channel-schemas';

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
