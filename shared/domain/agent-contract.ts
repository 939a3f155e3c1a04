/**
 * The agent API (DESIGN §4.2): what the worker sends and what it accepts back. The schema of the
 * event sent is in agent-event-schema.ts, for the published contract only: no function parses its
 * own events, so none builds it at a cold start.
 */
import * as z from 'zod/mini';
import '../zod-en';
import { repliesSchema } from './reply';

export const SERVICE_MESSAGE_DIALOG_CLOSED = 'c2d: dialog closed';
/** A transfer with `whenOffline: "stay"` found nobody online: the bot kept the dialog. */
export const SERVICE_MESSAGE_NO_OPERATORS_ONLINE = 'c2d: no operators online';

/** The seed's channel-variable table; variables without a Chat2Desk source are absent. */
export interface ChannelVariables {
  channel_message_id?: string;
  channel_message_recipient?: string;
  channel_visitor_id?: string;
  channel_conversation_id?: string;
  channel_visitor_phone?: string;
  channel_visitor_firstname?: string;
}

export type AttachmentKind = 'image' | 'video' | 'audio' | 'pdf' | 'file';
export interface Attachment {
  kind: AttachmentKind;
  url: string;
  name?: string;
  /** As Chat2Desk reported it (`content_type` / `mime_type`), when it did. */
  mimeType?: string;
  /** Bytes, when Chat2Desk reported it. */
  size?: number;
}

export interface Location {
  latitude: number;
  longitude: number;
}

export interface AgentEvent {
  eventId: string;
  channel: { id: string; type: 'chat2desk' };
  chatId: string;
  clientMessage: string;
  attachments: Attachment[];
  location?: Location;
  variables: ChannelVariables;
}

export const CHANNEL_VARIABLE_NAMES = [
  'channel_message_id',
  'channel_message_recipient',
  'channel_visitor_id',
  'channel_conversation_id',
  'channel_visitor_phone',
  'channel_visitor_firstname',
] as const;

export type { AgentInfo } from './agent-info';

export const agentResponseSchema = z.looseObject({
  replies: repliesSchema,
});
export type AgentResponse = z.infer<typeof agentResponseSchema>;
