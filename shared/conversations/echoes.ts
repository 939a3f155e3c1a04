/**
 * Recognising the bot's own messages when Chat2Desk reports them back as `outbox`, in any order
 * with the send's HTTP response. Pure; the records live behind the `OwnMessages` port.
 *
 * An `outbox` is ours when it matches any of:
 * 1. the Chat2Desk message id a send returned (recorded right after the response);
 * 2. the `external_id` we gave the message, where the echo carries it (every external id we use
 *    starts with our channel id, or `send:` for what the agent writes first, then a random part);
 * 3. the send intent recorded *before* calling Chat2Desk: same client, same content digest, the
 *    echo's event time within `ECHO_MATCH_WINDOW_MS` of the intent.
 */
import { createHash } from 'node:crypto';
import { htmlToPlainText } from '../inbound/html-text';

/** How far apart (either way: the clocks differ) an intent and its echo may be. */
export const ECHO_MATCH_WINDOW_MS = 120_000;

export interface SendIntent {
  clientId: string;
  digest: string;
  externalId: string;
  atMs: number;
}

/** What a message shows the client: its text, else its file. */
export interface MessageContent {
  text?: string | undefined;
  fileUrl?: string | undefined;
}

/**
 * A digest of what the client sees, the same for the body we send and for its echo: HTML and
 * white space do not count (Chat2Desk may return the text as HTML), the file when there is no text.
 */
export function contentDigest(content: MessageContent): string | undefined {
  const text = htmlToPlainText(content.text).replace(/\s+/g, ' ').trim();
  const basis = text ? `t:${text}` : content.fileUrl?.trim() ? `f:${content.fileUrl.trim()}` : undefined;
  return basis && createHash('sha256').update(basis, 'utf8').digest('hex').slice(0, 32);
}

export function intentMatches(intent: SendIntent | undefined, echoAtMs: number): boolean {
  return intent !== undefined && Math.abs(echoAtMs - intent.atMs) <= ECHO_MATCH_WINDOW_MS;
}
