/**
 * Chat2Desk wire shapes of sending (reference §4, §5.2, §5.3). Only this folder knows them.
 */
import * as z from 'zod/mini';
import { c2dIdSchema, optionalC2dIdSchema } from '../../domain/ids';
import '../../zod-en';

export interface WireButton {
  type: 'reply' | 'url';
  text: string;
  url?: string;
  payload?: string;
}

/** `POST /v1/messages` body. */
export interface WireSendMessageBody {
  client_id: number | string;
  type: 'to_client';
  text?: string;
  operator_id?: number | string;
  channel_id?: number | string;
  transport?: string;
  external_id?: string;
  attachment?: string;
  attachment_filename?: string;
  pdf?: string;
  keyboard?: { buttons: WireButton[] };
  inline_buttons?: WireButton[];
  /** Chat2Desk reopens a closed dialog for any API message unless this is false (reference §9 row 7). */
  open_dialog?: false;
}

/** `data` of a successful send (reference §4.2); only the message id is required. */
export const wireSendMessageResultSchema = z.looseObject({
  message_id: c2dIdSchema,
  dialog_id: optionalC2dIdSchema,
  request_id: optionalC2dIdSchema,
});

/** Ids travel as numbers where they are numbers (Chat2Desk's own clients send integers). */
export function wireId(id: string): number | string {
  const n = Number(id);
  return Number.isSafeInteger(n) ? n : id;
}

/**
 * One item of `GET /v1/messages` (reference §1.4, §9 row 10). Read item by item and tolerantly:
 * whether items carry `external_id` is not known, and an item we cannot read is left out.
 */
export const wireListedMessageSchema = z.looseObject({
  id: c2dIdSchema,
  client_id: optionalC2dIdSchema,
  type: z.optional(z.nullable(z.string())),
  text: z.optional(z.nullable(z.string())),
  external_id: z.optional(z.nullable(z.string())),
  created: z.optional(z.nullable(z.string())),
  pdf: z.optional(z.nullable(z.string())),
  attachments: z.optional(z.nullable(z.array(z.unknown()))),
});
