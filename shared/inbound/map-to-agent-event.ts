/**
 * Chat2Desk event → agent event (DESIGN §4.2), exactly per the seed's channel-variable table.
 * Pure: no I/O, no clock. Exhaustive table-driven tests in test/unit/inbound.
 *
 * | variable                    | from                                                       |
 * |-----------------------------|------------------------------------------------------------|
 * | channel_message_id          | message_id                                                 |
 * | channel_message_recipient   | operator_id                                                |
 * | channel_visitor_id          | client_id                                                  |
 * | channel_conversation_id     | dialog_id                                                  |
 * | channel_visitor_phone       | client.phone; client.client_phone when phone is a pseudo id |
 * | channel_visitor_firstname   | client.name                                                |
 * | every other variable        | absent                                                     |
 */
import { createHash } from 'node:crypto';
import {
  type AgentEvent,
  type Attachment,
  type AttachmentKind,
  type ChannelVariables,
  type Location,
  SERVICE_MESSAGE_DIALOG_CLOSED,
} from '../domain/agent-contract';
import { toChatId } from '../domain/channel';
import { htmlToPlainText } from './html-text';
import type { WebhookEvent } from './webhook-event';

export { htmlToPlainText } from './html-text';

/** `[tg] 8078`, `[chat] 1d0b…`, `[wa_gupshup] KZ.…`: a messenger handle, not a phone number. */
const PSEUDO_PHONE = /^\s*\[[^\]]*\]/;
/** A phone number as people write it: digits with optional +, spaces, dashes, dots, brackets. */
const REAL_PHONE = /^\s*\+?[\d\s().-]{5,32}$/;

export function visitorPhone(client: WebhookEvent['client']): string | undefined {
  const phone = client?.phone?.trim() || undefined;
  const clientPhone = client?.client_phone?.trim() || undefined;
  const realClientPhone = clientPhone && REAL_PHONE.test(clientPhone) ? clientPhone : undefined;
  if (phone === undefined) return realClientPhone;
  if (PSEUDO_PHONE.test(phone) && realClientPhone) return realClientPhone;
  return phone;
}

export function channelVariables(event: WebhookEvent): ChannelVariables {
  const variables: ChannelVariables = {};
  const set = (key: keyof ChannelVariables, value: string | undefined) => {
    if (value !== undefined && value !== '') variables[key] = value;
  };
  set('channel_message_id', event.message_id);
  set('channel_message_recipient', event.operator_id);
  set('channel_visitor_id', event.client_id);
  set('channel_conversation_id', event.dialog_id);
  set('channel_visitor_phone', visitorPhone(event.client));
  set('channel_visitor_firstname', event.client?.name?.trim() || undefined);
  return variables;
}

const EXTENSION_KIND: Array<[RegExp, AttachmentKind]> = [
  [/\.(jpe?g|png|gif|webp|bmp|heic)$/i, 'image'],
  [/\.(mp4|mov|avi|mkv|webm|3gp)$/i, 'video'],
  [/\.(mp3|ogg|oga|opus|wav|m4a|aac|amr)$/i, 'audio'],
  [/\.pdf$/i, 'pdf'],
];

function kindByName(nameOrUrl: string): AttachmentKind {
  const path = nameOrUrl.split(/[?#]/)[0] ?? '';
  return EXTENSION_KIND.find(([re]) => re.test(path))?.[1] ?? 'file';
}

/** `image/png` → image, `application/pdf` → pdf, …; undefined when the type says nothing we use. */
function kindByMimeType(mimeType: string | undefined): AttachmentKind | undefined {
  const type = mimeType?.split(';')[0]?.trim().toLowerCase();
  if (!type) return undefined;
  if (type === 'application/pdf') return 'pdf';
  const major = type.split('/')[0];
  return major === 'image' || major === 'video' || major === 'audio' ? major : undefined;
}

function httpUrl(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value) return undefined;
  const trimmed = value.trim();
  try {
    const url = new URL(trimmed);
    return url.protocol === 'https:' || url.protocol === 'http:' ? trimmed : undefined;
  } catch {
    return undefined;
  }
}

const nonEmpty = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() ? value.trim() : undefined;

function byteSize(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d{1,15}$/.test(value.trim()) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** One `attachments[]` item in any shape seen in the wild (reference §8), or undefined. */
export function attachmentOfItem(item: unknown): Attachment | undefined {
  if (typeof item === 'string') {
    const url = httpUrl(item);
    return url ? { kind: kindByName(url), url } : undefined;
  }
  if (!item || typeof item !== 'object' || Array.isArray(item)) return undefined;
  const record = item as Record<string, unknown>;
  const file =
    record.file && typeof record.file === 'object' && !Array.isArray(record.file)
      ? (record.file as Record<string, unknown>)
      : {};
  // {name, link} (REST), {url}, {file: {url}}, {file: "https://…"}.
  const url = httpUrl(record.link) ?? httpUrl(record.url) ?? httpUrl(file.url) ?? httpUrl(record.file);
  if (!url) return undefined;
  const name = nonEmpty(record.name) ?? nonEmpty(record.filename) ?? nonEmpty(file.name);
  const mimeType =
    nonEmpty(record.content_type) ??
    nonEmpty(record.mime_type) ??
    nonEmpty(file.content_type) ??
    nonEmpty(file.mime_type);
  const size = byteSize(record.size) ?? byteSize(file.size);
  const attachment: Attachment = { kind: kindByMimeType(mimeType) ?? kindByName(name ?? url), url };
  if (name) attachment.name = name;
  if (mimeType) attachment.mimeType = mimeType;
  if (size !== undefined) attachment.size = size;
  return attachment;
}

/**
 * The files the client sent: top-level `photo`, `video`, `audio`, `pdf`, `document`, and every
 * `attachments[]` item; the same URL once. An item of no known shape is reported by its keys
 * (never its content) through `onUnknown` and left out.
 */
export function attachmentsOf(event: WebhookEvent, onUnknown?: (keys: string[]) => void): Attachment[] {
  const out: Attachment[] = [];
  const seen = new Map<string, Attachment>();
  const add = (attachment: Attachment | undefined) => {
    if (!attachment) return;
    const known = seen.get(attachment.url);
    if (!known) {
      seen.set(attachment.url, attachment);
      out.push(attachment);
      return;
    }
    // The same file named twice (a top-level `pdf` and its `attachments[]` item): keep what each says.
    if (attachment.name && !known.name) known.name = attachment.name;
    if (attachment.mimeType && !known.mimeType) known.mimeType = attachment.mimeType;
    if (attachment.size !== undefined && known.size === undefined) known.size = attachment.size;
  };
  const topLevel = (kind: AttachmentKind, value: string | undefined) => {
    const url = httpUrl(value);
    if (url) add({ kind, url });
  };
  topLevel('image', event.photo);
  topLevel('video', event.video);
  topLevel('audio', event.audio);
  topLevel('pdf', event.pdf);
  const document = httpUrl(event.document);
  if (document) add({ kind: kindByName(document), url: document });
  for (const item of event.attachments ?? []) {
    const attachment = attachmentOfItem(item);
    if (attachment) add(attachment);
    else if (onUnknown) {
      onUnknown(item && typeof item === 'object' ? Object.keys(item).slice(0, 20) : [typeof item]);
    }
  }
  return out;
}

/** `"lat,lon"` → a location, when both numbers are in range. */
export function locationOf(coordinates: string | undefined): Location | undefined {
  if (!coordinates) return undefined;
  const parts = coordinates.split(',').map((p) => p.trim());
  if (parts.length !== 2 || parts.some((p) => !/^[-+]?\d+(\.\d+)?$/.test(p))) return undefined;
  const latitude = Number(parts[0]);
  const longitude = Number(parts[1]);
  if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return undefined;
  return { latitude, longitude };
}

/**
 * The id of an inbound event, stable across Chat2Desk's retries; the exactly-once key.
 * Message: `<channelId>:<hook_type>:<message_id>` (a body hash when there is no message id).
 * Close:   `<channelId>:close:<dialog_id ?? request_id>:<event_time>`.
 */
export function inboundEventId(
  channelId: string,
  event: WebhookEvent,
  kind: 'message' | 'dialogClosed',
  rawBody: string,
): string {
  if (kind === 'dialogClosed') {
    return `${channelId}:close:${event.dialog_id ?? event.request_id ?? 'none'}:${event.event_time ?? bodyHash(rawBody)}`;
  }
  const hook = event.hook_type || 'inbox';
  return `${channelId}:${hook}:${event.message_id ?? `body-${bodyHash(rawBody)}`}`;
}

function bodyHash(rawBody: string): string {
  return createHash('sha256').update(rawBody, 'utf8').digest('hex').slice(0, 32);
}

/** A client message → the agent event. `clientId` is required (the caller checked it). */
export function mapClientMessage(
  channelId: string,
  eventId: string,
  event: WebhookEvent & { client_id: string },
  onUnknownAttachment?: (keys: string[]) => void,
): AgentEvent {
  const agentEvent: AgentEvent = {
    eventId,
    channel: { id: channelId, type: 'chat2desk' },
    chatId: toChatId(event.client_id),
    clientMessage: htmlToPlainText(event.text),
    attachments: attachmentsOf(event, onUnknownAttachment),
    variables: channelVariables(event),
  };
  const location = locationOf(event.coordinates);
  if (location) agentEvent.location = location;
  return agentEvent;
}

/** A closed dialog → the seed's service message `c2d: dialog closed`. */
export function mapDialogClosed(
  channelId: string,
  eventId: string,
  event: WebhookEvent & { client_id: string },
): AgentEvent {
  return {
    eventId,
    channel: { id: channelId, type: 'chat2desk' },
    chatId: toChatId(event.client_id),
    clientMessage: SERVICE_MESSAGE_DIALOG_CLOSED,
    attachments: [],
    variables: channelVariables(event),
  };
}
