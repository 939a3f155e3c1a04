/**
 * Sending to a client and handing a conversation to humans (reference §4, §5.2, §5.3).
 * Takes our normalised send operations and returns normalised results; one request per call —
 * rate limiting and retries are the caller's (see shared/outbound/deliver-reply.ts).
 */

import * as z from 'zod/mini';
import { isChat2DeskError } from '../../errors';
import type { ListedMessage } from '../../outbound/earlier-send';
import type {
  Chat2DeskHandoffCalls,
  Chat2DeskHttp,
  Chat2DeskMessagesClient,
  MessageAddress,
} from '../../outbound/ports';
import type { MessageOperation } from '../../outbound/render/send-operations';
import { parseData } from './http';
import { operatorStatusOf, wireOperatorListSchema } from './wire-account';
import {
  type WireAssignTagsBody,
  type WireCommentBody,
  type WireUpdateClientBody,
  wireOperatorGroupListSchema,
  wireTagListSchema,
} from './wire-handoff';
import {
  type WireButton,
  type WireSendMessageBody,
  wireId,
  wireListedMessageSchema,
  wireSendMessageResultSchema,
} from './wire-messages';

/** The wire body of one message operation. Pure. */
export function toSendMessageBody(
  address: MessageAddress,
  operation: MessageOperation,
  externalId: string,
): WireSendMessageBody {
  const body: WireSendMessageBody = {
    client_id: wireId(address.clientId),
    type: 'to_client',
    external_id: externalId,
  };
  if (address.operatorId !== undefined) body.operator_id = wireId(address.operatorId);
  if (address.c2dChannelId !== undefined) body.channel_id = wireId(address.c2dChannelId);
  if (address.transport !== undefined) body.transport = address.transport;
  if (operation.text !== undefined) body.text = operation.text;
  const file = operation.file;
  if (file?.format === 'pdf') body.pdf = file.url;
  else if (file) {
    body.attachment = file.url;
    if (file.filename !== undefined) body.attachment_filename = file.filename;
  }
  if (operation.replyButtons && operation.replyButtons.length > 0) {
    body.keyboard = {
      buttons: operation.replyButtons.map((b) => {
        const button: WireButton = { type: 'reply', text: b.text };
        if (b.payload !== undefined) button.payload = b.payload;
        return button;
      }),
    };
  }
  if (operation.urlButtons && operation.urlButtons.length > 0) {
    body.inline_buttons = operation.urlButtons.map((b) => ({ type: 'url', text: b.text, url: b.url }));
  }
  if (operation.openDialog === false) body.open_dialog = false;
  return body;
}

function isSuccessWithoutBody(err: unknown): boolean {
  return (
    isChat2DeskError(err) &&
    err.failure === 'invalidResponse' &&
    err.httpStatus !== undefined &&
    err.httpStatus >= 200 &&
    err.httpStatus < 300
  );
}

/** `created` as Chat2Desk may write it: ISO 8601, with or without a zone (then UTC), or `… UTC`. */
function createdAtMs(created: string | null | undefined): number | undefined {
  if (!created) return undefined;
  const iso = created.trim().replace(' UTC', 'Z').replace(' ', 'T');
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
  return Number.isFinite(ms) ? ms : undefined;
}

function firstFileUrl(item: z.infer<typeof wireListedMessageSchema>): string | undefined {
  if (item.pdf) return item.pdf;
  const first = item.attachments?.[0];
  if (!first || typeof first !== 'object') return undefined;
  const a = first as Record<string, unknown>;
  const file = a.file;
  const nested = file && typeof file === 'object' ? (file as Record<string, unknown>).url : file;
  const url = a.link ?? a.url ?? nested;
  return typeof url === 'string' ? url : undefined;
}

export function toListedMessage(raw: unknown): ListedMessage | undefined {
  const parsed = z.safeParse(wireListedMessageSchema, raw);
  if (!parsed.success) return undefined;
  const item = parsed.data;
  const listed: ListedMessage = { messageId: item.id };
  if (item.client_id !== undefined) listed.clientId = item.client_id;
  if (item.type) listed.type = item.type;
  if (item.text) listed.text = item.text;
  if (item.external_id) listed.externalId = item.external_id;
  const fileUrl = firstFileUrl(item);
  if (fileUrl) listed.fileUrl = fileUrl;
  const at = createdAtMs(item.created);
  if (at !== undefined) listed.createdAtMs = at;
  return listed;
}

const listSchema = z.array(z.unknown());

export function createMessagesClient(http: Chat2DeskHttp): Chat2DeskMessagesClient & Chat2DeskHandoffCalls {
  return {
    async sendMessage(address, operation, externalId) {
      let response: Awaited<ReturnType<Chat2DeskHttp>>;
      try {
        response = await http({
          method: 'POST',
          path: '/v1/messages',
          body: toSendMessageBody(address, operation, externalId),
        });
      } catch (err) {
        // A 2xx whose body does not parse: Chat2Desk took the message; sending it again would double it.
        if (isSuccessWithoutBody(err)) return {};
        throw err;
      }
      let data: ReturnType<typeof parseData<typeof wireSendMessageResultSchema>>;
      try {
        data = parseData(wireSendMessageResultSchema, response, 'POST /v1/messages');
      } catch (err) {
        if (isSuccessWithoutBody(err)) return {};
        throw err;
      }
      return data.dialog_id !== undefined
        ? { messageId: data.message_id, dialogId: data.dialog_id }
        : { messageId: data.message_id };
    },
    async latestMessages(clientId, limit) {
      const response = await http({
        method: 'GET',
        path: '/v1/messages',
        query: { client_id: clientId, order: 'desc', limit: String(limit) },
      });
      return parseData(listSchema, response, 'GET /v1/messages').flatMap((raw) => toListedMessage(raw) ?? []);
    },
    async transferToOperator(messageId, operatorId) {
      await http({
        method: 'GET',
        path: `/v1/messages/${encodeURIComponent(messageId)}/transfer`,
        query: { operator_id: operatorId },
      });
    },
    async transferToGroup(messageId, groupId) {
      await http({
        method: 'GET',
        path: `/v1/messages/${encodeURIComponent(messageId)}/transfer_to_group`,
        query: { group_id: groupId },
      });
    },
    async updateDialog(dialogId, changes) {
      const body: Record<string, unknown> = {};
      if (changes.operatorId !== undefined)
        body.operator_id = changes.operatorId === null ? null : wireId(changes.operatorId);
      if (changes.state !== undefined) body.state = changes.state;
      await http({ method: 'PUT', path: `/v1/dialogs/${encodeURIComponent(dialogId)}`, body });
    },
    ...handoffCalls(http),
  };
}

/** The wire body of an internal note. Pure. */
export function toCommentBody(address: MessageAddress, text: string, externalId: string): WireCommentBody {
  const body: WireCommentBody = {
    client_id: wireId(address.clientId),
    type: 'comment',
    text,
    open_dialog: false,
    external_id: externalId,
  };
  // Without an operator the comment is credited to the dialog's current operator (reference §9 row 6).
  if (address.operatorId !== undefined) body.operator_id = wireId(address.operatorId);
  return body;
}

function handoffCalls(http: Chat2DeskHttp): Chat2DeskHandoffCalls {
  return {
    async sendComment(address, text, externalId) {
      try {
        await http({ method: 'POST', path: '/v1/messages', body: toCommentBody(address, text, externalId) });
      } catch (err) {
        // Taken, only its answer unreadable: sending it again would double the note.
        if (!isSuccessWithoutBody(err)) throw err;
      }
    },
    async closeRequest(clientId) {
      await http({ method: 'PUT', path: '/v1/requests/close', body: { client_id: wireId(clientId) } });
    },
    async listOperatorStatuses() {
      const response = await http({ method: 'GET', path: '/v1/operators', query: { limit: 200 } });
      return parseData(wireOperatorListSchema, response, 'GET /v1/operators').map((o) => ({
        id: o.id,
        online: operatorStatusOf(o)?.online === true,
      }));
    },
    async listOperatorGroups() {
      const response = await http({ method: 'GET', path: '/v1/operators_groups', query: { limit: 200 } });
      return parseData(wireOperatorGroupListSchema, response, 'GET /v1/operators_groups').map((g) => ({
        id: g.id,
        operatorIds: g.operator_ids ?? [],
      }));
    },
    async listTags() {
      const response = await http({ method: 'GET', path: '/v1/tags', query: { limit: 200 } });
      return parseData(wireTagListSchema, response, 'GET /v1/tags').map((t) => {
        const name = t.label ?? t.name ?? undefined;
        return name ? { id: t.id, name } : { id: t.id };
      });
    },
    async assignTags(tagIds, assignee) {
      const body: WireAssignTagsBody = {
        tag_ids: tagIds.map(wireId),
        assignee_type: assignee.type,
        assignee_id: wireId(assignee.id),
      };
      await http({ method: 'POST', path: '/v1/tags/assign_to', body });
    },
    async updateClient(clientId, changes) {
      const body: WireUpdateClientBody = {};
      if (changes.name !== undefined) body.name = changes.name;
      if (changes.comment !== undefined) body.comment = changes.comment;
      if (changes.customFields !== undefined) body.custom_fields = changes.customFields;
      await http({ method: 'PUT', path: `/v1/clients/${encodeURIComponent(clientId)}`, body });
    },
  };
}
