/**
 * Chat2Desk message texts as plain text. Its own module, without schemas: the reply function
 * compares its own echoes by this text (shared/conversations/echoes.ts) and needs nothing else of
 * the mapping to agent events (map-to-agent-event.ts re-exports it).
 */

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  '#39': "'",
};

/** Chat2Desk texts may carry HTML: line breaks become newlines, other tags go, entities decode. */
export function htmlToPlainText(text: string | undefined): string {
  if (!text) return '';
  return text
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li)>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(amp|lt|gt|quot|apos|nbsp|#39);/g, (_m, name: string) => ENTITIES[name] ?? '')
    .replace(/&#(\d{1,7});/g, (_m, code: string) => {
      const n = Number(code);
      return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : '';
    })
    .trim();
}
