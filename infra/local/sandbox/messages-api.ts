/**
 * `GET /v1/messages` of the sandbox (reference §1.4, §9 row 10): the account's messages, newest
 * first with `order=desc`, at most 200 a page (`limit`, default 20), from `start_id` on; `offset`
 * is ignored, as live accounts do.
 *
 * Unsure (switch `messageListing`): whether `client_id` filters the list and whether items carry
 * the `external_id` the message was sent with. `full` (default) does both; `bare` neither, so a
 * reader must find its message among the whole account's by client, text and time.
 */
import { type Account, isoTime, type MessageState, parseId } from './model';

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 200;

export type MessageListing = 'full' | 'bare';

function messageWire(message: MessageState, listing: MessageListing): Record<string, unknown> {
  const item: Record<string, unknown> = {
    id: message.id,
    type: message.type,
    text: message.text,
    client_id: message.clientId,
    dialog_id: message.dialogId,
    request_id: message.requestId || null,
    operator_id: message.operatorId,
    channel_id: message.channelId,
    transport: message.transport,
    attachments: message.attachments.map((a) => ({ name: a.name, link: a.url })),
    pdf: message.pdf,
    created: isoTime(message.at),
  };
  if (listing === 'full') item.external_id = message.externalId;
  return item;
}

export function listMessages(
  account: Account,
  query: Record<string, string>,
  listing: MessageListing = 'full',
): Record<string, unknown>[] {
  const requested = Number(query.limit ?? DEFAULT_LIMIT);
  const limit = Number.isInteger(requested) && requested > 0 ? Math.min(requested, MAX_LIMIT) : DEFAULT_LIMIT;
  const startId = parseId(query.start_id);
  const clientId = listing === 'full' ? parseId(query.client_id) : undefined;
  let messages = [...account.messages.values()].filter(
    (m) => (startId === undefined || m.id >= startId) && (clientId === undefined || m.clientId === clientId),
  );
  messages.sort((a, b) => a.id - b.id);
  if (query.order === 'desc') messages = messages.reverse();
  return messages.slice(0, limit).map((m) => messageWire(m, listing));
}
