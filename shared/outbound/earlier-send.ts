/**
 * Whether a part whose send ended without a known outcome (timed out, or the connection dropped
 * after the request left) is already in Chat2Desk, so that it is not sent again. Pure: the caller
 * lists the account's latest messages (`GET /v1/messages`) and asks.
 *
 * - Where the listing carries external ids, only ours proves it: the part's `<reply part>~<mac>`.
 * - Where it carries none (sandbox switch `messageListing: bare`), a message to the same client
 *   with the same content (the echo's digest, shared/conversations/echoes.ts) stored no earlier than
 *   `ECHO_MATCH_WINDOW_MS` before the first unsure send counts as the part; when the listing gives
 *   no time we can read, one newer than the inbound message the reply answers does.
 * A part proven absent (the page reaches back past its first unsure send) is sent again; one whose
 * presence is not proven either way (a busy account's page, a failed look) is sent again only once
 * over all deliveries (shared/outbound/deliver-reply.ts).
 */
import { contentDigest, ECHO_MATCH_WINDOW_MS } from '../conversations/echoes';

/** A message as `GET /v1/messages` lists it: what is needed to recognise one of ours. */
export interface ListedMessage {
  messageId: string;
  clientId?: string;
  /** Chat2Desk's type: `to_client` for what an operator or the API sent. */
  type?: string;
  text?: string;
  /** Present only where the listing carries it. */
  externalId?: string;
  /** The first file's address. */
  fileUrl?: string;
  /** When Chat2Desk stored it, where the listing says so in a form we read. */
  createdAtMs?: number;
}

export interface EarlierSendQuery {
  clientId: string;
  externalId: string;
  /** The part's content digest; undefined when it has none to compare. */
  digest: string | undefined;
  /** When the first unsure send of the part ended. */
  firstUnsureAtMs: number | undefined;
  /** The inbound message the reply answers, when there is one. */
  afterMessageId: string | undefined;
}

/** How many of the latest messages are looked through: one page, bounded. */
export const EARLIER_SEND_LOOKUP_LIMIT = 100;

function isNewerId(messageId: string, than: string | undefined): boolean {
  if (than === undefined) return false;
  const a = Number(messageId);
  const b = Number(than);
  return Number.isSafeInteger(a) && Number.isSafeInteger(b) && a > b;
}

/**
 * - `found`: a message with the part's external id.
 * - `candidates`: the listing has no external ids; these messages to the client have the part's
 *   content and time (the caller rules out those known to be another reply's).
 * - `absent`: the page reaches back past the first unsure send and the part is not in it.
 * - `unknown`: the page does not reach back that far (a busy account): not proven either way.
 */
export type EarlierSend =
  | { kind: 'found'; message: ListedMessage }
  | { kind: 'candidates'; messages: ListedMessage[]; covered: boolean }
  | { kind: 'absent' }
  | { kind: 'unknown' };

/** Whether the page holds every message since the first unsure send (newest first, `limit` at most). */
function reachesBack(listed: ListedMessage[], query: EarlierSendQuery, limit: number): boolean {
  if (listed.length < limit) return true;
  const oldest = listed[listed.length - 1];
  if (!oldest) return true;
  if (oldest.createdAtMs !== undefined && query.firstUnsureAtMs !== undefined)
    return oldest.createdAtMs < query.firstUnsureAtMs - ECHO_MATCH_WINDOW_MS;
  return query.afterMessageId !== undefined && !isNewerId(oldest.messageId, query.afterMessageId);
}

export function findEarlierSend(
  listed: ListedMessage[],
  query: EarlierSendQuery,
  limit = EARLIER_SEND_LOOKUP_LIMIT,
): EarlierSend {
  const byExternalId = listed.find((m) => m.externalId === query.externalId);
  if (byExternalId) return { kind: 'found', message: byExternalId };
  const covered = reachesBack(listed, query, limit);
  const withExternalIds = listed.some((m) => m.externalId !== undefined);
  if (withExternalIds || query.digest === undefined)
    return covered ? { kind: 'absent' } : { kind: 'unknown' };
  const messages = listed.filter((m) => {
    if (m.clientId !== query.clientId) return false;
    if (m.type !== undefined && m.type !== 'to_client') return false;
    if (contentDigest({ text: m.text, fileUrl: m.fileUrl }) !== query.digest) return false;
    if (m.createdAtMs !== undefined && query.firstUnsureAtMs !== undefined)
      return m.createdAtMs >= query.firstUnsureAtMs - ECHO_MATCH_WINDOW_MS;
    return isNewerId(m.messageId, query.afterMessageId);
  });
  if (messages.length > 0) return { kind: 'candidates', messages, covered };
  return covered ? { kind: 'absent' } : { kind: 'unknown' };
}
