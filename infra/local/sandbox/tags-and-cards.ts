/**
 * Tags and the client card of the sandbox (reference §5.5, §6): `GET /v1/tags`,
 * `POST /v1/tags/assign_to {tag_ids, assignee_type, assignee_id}` and
 * `PUT /v1/clients/{id} {name?, comment?, custom_fields?}`. What they change shows in
 * `GET /sandbox/clients/{id}` (`tags`: the names of the client's and its requests' tags together).
 */
import { isRecord, SandboxApiError } from './http-io';
import { type Account, type ClientState, parseId } from './model';

/** Every sandbox account has these tags (Chat2Desk: made by an administrator in the web app). */
export const TAGS = [
  { id: 301, group_id: 31, group_name: 'Bot', label: 'vip', description: 'Important client' },
  { id: 302, group_id: 31, group_name: 'Bot', label: 'complaint', description: 'The client complains' },
  { id: 303, group_id: 31, group_name: 'Bot', label: 'lead', description: 'A sales lead' },
] as const;

interface Card {
  comment: string | null;
  customFields: Record<string, string>;
  tags: Set<number>;
}

interface AccountCards {
  clients: Map<number, Card>;
  /** Tags of requests, with the client the request is of. */
  requests: Map<number, { clientId: number; tags: Set<number> }>;
}

const cardsOfAccount = new WeakMap<Account, AccountCards>();

function cardsOf(account: Account): AccountCards {
  let cards = cardsOfAccount.get(account);
  if (!cards) {
    cards = { clients: new Map(), requests: new Map() };
    cardsOfAccount.set(account, cards);
  }
  return cards;
}

function cardOf(account: Account, clientId: number): Card {
  const clients = cardsOf(account).clients;
  let card = clients.get(clientId);
  if (!card) {
    card = { comment: null, customFields: {}, tags: new Set() };
    clients.set(clientId, card);
  }
  return card;
}

function validation(field: string, message: string): SandboxApiError {
  return new SandboxApiError(400, 'Validation error', { [field]: [message] });
}

export function tagsWire(): Record<string, unknown>[] {
  return TAGS.map((t) => ({ ...t }));
}

/** The client whose request this is (any request the client's dialog has had). */
function clientOfRequest(account: Account, requestId: number): number | undefined {
  for (const dialog of account.dialogs.values()) if (dialog.requestId === requestId) return dialog.clientId;
  for (const message of account.messages.values())
    if (message.requestId === requestId) return message.clientId;
  return undefined;
}

/** `POST /v1/tags/assign_to`: ids only (a name is "tag does not exist", reference §1.3). */
export function assignTags(account: Account, body: unknown): Record<string, unknown> {
  if (!isRecord(body)) throw validation('body', 'JSON object expected');
  const rawIds = body.tag_ids;
  if (!Array.isArray(rawIds) || rawIds.length === 0)
    throw validation('tag_ids', 'The tag ids field is required.');
  const tagIds = rawIds.map((raw) => {
    const id = parseId(raw);
    if (id === undefined || !TAGS.some((t) => t.id === id))
      throw new SandboxApiError(400, 'tag does not exist');
    return id;
  });
  const type = body.assignee_type;
  if (type !== 'client' && type !== 'request') {
    throw validation('assignee_type', 'The selected assignee type is invalid.');
  }
  const assigneeId = parseId(body.assignee_id);
  if (assigneeId === undefined) throw validation('assignee_id', 'The assignee id field is required.');
  if (type === 'client') {
    if (!account.clients.has(assigneeId)) throw new SandboxApiError(404, 'not_found');
    for (const id of tagIds) cardOf(account, assigneeId).tags.add(id);
  } else {
    const clientId = clientOfRequest(account, assigneeId);
    if (clientId === undefined) throw new SandboxApiError(404, `request ${assigneeId} not found`);
    const requests = cardsOf(account).requests;
    const entry = requests.get(assigneeId) ?? { clientId, tags: new Set<number>() };
    for (const id of tagIds) entry.tags.add(id);
    requests.set(assigneeId, entry);
  }
  return { tag_ids: tagIds, assignee_type: type, assignee_id: assigneeId };
}

/** `PUT /v1/clients/{id}` {name?, comment?, custom_fields?}. */
export function updateClient(account: Account, idText: string, body: unknown): ClientState {
  const id = parseId(idText);
  const client = id === undefined ? undefined : account.clients.get(id);
  if (!client) throw new SandboxApiError(404, 'not_found');
  if (!isRecord(body)) throw validation('body', 'JSON object expected');
  const { name, comment, custom_fields: fields } = body;
  if (name !== undefined && (typeof name !== 'string' || name.trim() === '')) {
    throw validation('name', 'The name must be a non-empty string.');
  }
  if (comment !== undefined && comment !== null && typeof comment !== 'string') {
    throw validation('comment', 'The comment must be a string.');
  }
  if (
    fields !== undefined &&
    (!isRecord(fields) ||
      Object.entries(fields).some(([key, value]) => !/^\d+$/.test(key) || typeof value !== 'string'))
  ) {
    throw validation('custom_fields', 'The custom fields must map field ids to strings.');
  }
  const card = cardOf(account, client.id);
  if (typeof name === 'string') client.name = name;
  if (comment !== undefined) card.comment = comment as string | null;
  if (fields !== undefined) Object.assign(card.customFields, fields);
  return client;
}

/** What `GET /sandbox/clients/{id}` adds: tag names (client's and requests' together), comment, custom fields. */
export function cardView(account: Account, client: ClientState): Record<string, unknown> {
  const card = cardsOf(account).clients.get(client.id);
  const ids = new Set(card?.tags ?? []);
  for (const request of cardsOf(account).requests.values()) {
    if (request.clientId === client.id) for (const id of request.tags) ids.add(id);
  }
  return {
    tags: TAGS.filter((t) => ids.has(t.id)).map((t) => t.label),
    comment: card?.comment ?? null,
    customFields: { ...(card?.customFields ?? {}) },
  };
}
