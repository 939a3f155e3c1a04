/**
 * Sending to a client and handing a conversation to humans (reference §4, §5.2, §5.3).
 * Takes our normalised send operations and returns normalised results; one request per call —
 * rate limiting and retries are the caller's (see shared/outbound/deliver-reply.ts).
 */
import type { MessageOperation } from '../../outbound/render/send-operations';
import { type Chat2DeskHttp, isChat2DeskError, parseData } from './http';
import {
  type WireButton,
  type WireSendMessageBody,
  wireId,
  wireSendMessageResultSchema,
} from './wire-messages';

/** Where a message goes and who says it. */
export interface MessageAddress {
  clientId: string;
  /** The bot's operator (the channel's operatorId): the message shows as sent by it. */
  operatorId?: string;
  /** Chat2Desk's channel id and transport from the inbound event; Chat2Desk defaults to the last ones. */
  c2dChannelId?: string;
  transport?: string;
}

export interface SentMessage {
  /** Absent when Chat2Desk answered 2xx with a body we cannot read: the message was taken all the same. */
  messageId?: string;
  dialogId?: string;
}

export interface DialogChanges {
  /** `null` takes the dialog from its operator: it waits in the general queue. */
  operatorId?: string | null;
  state?: 'open' | 'closed';
}

export interface Chat2DeskMessagesClient {
  sendMessage(address: MessageAddress, operation: MessageOperation, externalId: string): Promise<SentMessage>;
  transferToOperator(messageId: string, operatorId: string): Promise<void>;
  transferToGroup(messageId: string, groupId: string): Promise<void>;
  updateDialog(dialogId: string, changes: DialogChanges): Promise<void>;
}

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

export function createMessagesClient(http: Chat2DeskHttp): Chat2DeskMessagesClient {
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
  };
}
