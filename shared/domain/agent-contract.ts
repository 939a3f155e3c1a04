/** The agent API (DESIGN §4.2): what the worker sends and what it accepts back. */
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

/** The event the worker posts; a schema so the contract can be published (docs/contracts/). */
export const agentEventSchema = z.strictObject({
  eventId: z.string().check(z.minLength(1)),
  channel: z.strictObject({ id: z.string(), type: z.literal('chat2desk') }),
  chatId: z.string().check(z.regex(/^\d{1,20}\|chat2desk$/)),
  clientMessage: z.string(),
  attachments: z.array(
    z.strictObject({
      kind: z.enum(['image', 'video', 'audio', 'pdf', 'file']),
      url: z.string(),
      name: z.optional(z.string()),
      mimeType: z.optional(z.string()),
      size: z.optional(z.int().check(z.nonnegative())),
    }),
  ),
  location: z.optional(z.strictObject({ latitude: z.number(), longitude: z.number() })),
  variables: z.strictObject(
    Object.fromEntries(CHANNEL_VARIABLE_NAMES.map((name) => [name, z.optional(z.string())])) as Record<
      (typeof CHANNEL_VARIABLE_NAMES)[number],
      z.ZodMiniOptional<z.ZodMiniString>
    >,
  ),
});

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const eventTypeAgrees: Same<z.output<typeof agentEventSchema>, AgentEvent> = true;
void eventTypeAgrees;

export type { AgentInfo } from './agent-info';

export const agentResponseSchema = z.looseObject({
  replies: repliesSchema,
});
export type AgentResponse = z.infer<typeof agentResponseSchema>;
