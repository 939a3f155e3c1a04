/**
 * What a hand-over leaves on the conversation while the humans have it (a `transfer` reply's
 * `closePhrases` and `returnText`). Pure: no I/O.
 */

export interface Handoff {
  /** The transfer reply's id: the return text's reply id derives from it, so it is said once. */
  id: string;
  closePhrases?: string[];
  returnText?: string;
}

/** Case and spacing do not count: "Back  to BOT " is "back to bot". */
export function normalisePhrase(text: string): string {
  return text.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** Whether the client's text is one of the hand-over's close phrases. */
export function isClosePhrase(handoff: Handoff | undefined, text: string | undefined): boolean {
  if (!handoff?.closePhrases || text === undefined) return false;
  const said = normalisePhrase(text);
  return said !== '' && handoff.closePhrases.some((phrase) => normalisePhrase(phrase) === said);
}

export const RETURN_TEXT_SUFFIX = ':return';

/** The reply id of the return text of a hand-over: the same for every event that ends it. */
export function returnTextReplyId(handoff: Handoff): string {
  return `${handoff.id}${RETURN_TEXT_SUFFIX}`;
}

/** The reply id of the close a close phrase asks for. */
export const CLOSE_PHRASE_SUFFIX = ':closePhrase';

export function handoffOfItem(value: unknown): Handoff | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const raw = value as Record<string, unknown>;
  if (typeof raw.id !== 'string' || raw.id === '') return undefined;
  const handoff: Handoff = { id: raw.id };
  if (Array.isArray(raw.closePhrases)) {
    const phrases = raw.closePhrases.filter((p): p is string => typeof p === 'string' && p.trim() !== '');
    if (phrases.length > 0) handoff.closePhrases = phrases;
  }
  if (typeof raw.returnText === 'string' && raw.returnText !== '') handoff.returnText = raw.returnText;
  return handoff;
}
