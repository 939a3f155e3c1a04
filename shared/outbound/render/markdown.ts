/**
 * The seed's markdown subset, and nothing more: `*italics*`, `_italics_`, `__bold__`,
 * `*__bold italics__*`, `[link](url)`. Bare URLs are recognised too, so no emphasis is ever read
 * inside a URL and a URL is never split.
 *
 * Rules (decided here, documented in docs/OUTBOUND.md):
 * - a span never crosses a line break, and its content neither starts nor ends with whitespace;
 * - underscore markers only count at word edges (`snake_case_name` stays as written);
 * - anything that does not form a complete span is ordinary text and passes through unchanged.
 */

export type EmphasisStyle = 'italic' | 'bold' | 'boldItalic';

export type MarkdownToken =
  | { kind: 'text'; raw: string }
  | { kind: 'emphasis'; raw: string; style: EmphasisStyle; inner: MarkdownToken[] }
  | { kind: 'link'; raw: string; text: string; url: string }
  | { kind: 'url'; raw: string };

const LINK = /\[([^[\]\n]+)\]\((https?:\/\/[^\s()<>]+)\)/y;
const BARE_URL = /https?:\/\/[^\s<>()[\]]+/y;
const TRAILING_PUNCTUATION = /[.,!?;:'"»]+$/;

interface EmphasisRule {
  style: EmphasisStyle;
  pattern: RegExp;
  /** Underscore markers must stand at word edges. */
  wordEdges: boolean;
}

// Order matters: the longest opener first.
const EMPHASIS: EmphasisRule[] = [
  { style: 'boldItalic', pattern: /\*__(?=\S)([^\n]*?\S)__\*/y, wordEdges: false },
  { style: 'bold', pattern: /__(?=\S)([^\n]*?\S)__/y, wordEdges: true },
  { style: 'italic', pattern: /\*(?=[^\s*])([^*\n]*?[^\s*])\*/y, wordEdges: false },
  { style: 'italic', pattern: /_(?=[^\s_])([^_\n]*?[^\s_])_/y, wordEdges: true },
];

const WORD_CHAR = /[\p{L}\p{N}]/u;

function isWordChar(ch: string | undefined): boolean {
  return ch !== undefined && WORD_CHAR.test(ch);
}

function matchAt(pattern: RegExp, text: string, at: number): RegExpExecArray | null {
  pattern.lastIndex = at;
  return pattern.exec(text);
}

/** Splits text into ordinary text, emphasis spans, links and bare URLs. Never throws. */
export function parseMarkdown(text: string): MarkdownToken[] {
  const tokens: MarkdownToken[] = [];
  let plain = '';
  const flush = () => {
    if (plain.length > 0) tokens.push({ kind: 'text', raw: plain });
    plain = '';
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '[') {
      const m = matchAt(LINK, text, i);
      if (m && m[1]!.trim().length > 0) {
        flush();
        tokens.push({ kind: 'link', raw: m[0], text: m[1]!.trim(), url: m[2]! });
        i += m[0].length;
        continue;
      }
    } else if (ch === 'h' && !isWordChar(text[i - 1])) {
      const m = matchAt(BARE_URL, text, i);
      if (m) {
        const url = m[0].replace(TRAILING_PUNCTUATION, '');
        if (url.length > 'https://'.length) {
          flush();
          tokens.push({ kind: 'url', raw: url });
          i += url.length;
          continue;
        }
      }
    } else if (ch === '*' || ch === '_') {
      let matched = false;
      for (const rule of EMPHASIS) {
        const m = matchAt(rule.pattern, text, i);
        if (!m) continue;
        if (rule.wordEdges && (isWordChar(text[i - 1]) || isWordChar(text[i + m[0].length]))) continue;
        flush();
        tokens.push({ kind: 'emphasis', raw: m[0], style: rule.style, inner: parseMarkdown(m[1]!) });
        i += m[0].length;
        matched = true;
        break;
      }
      if (matched) continue;
    }
    // Keep a surrogate pair together (an emoji is one character to the reader).
    const code = text.charCodeAt(i);
    const width = code >= 0xd800 && code <= 0xdbff && i + 1 < text.length ? 2 : 1;
    plain += text.slice(i, i + width);
    i += width;
  }
  flush();
  return tokens;
}

/** How a link reads without markup: `text (url)`, or just the URL when the text is the URL. */
export function plainLink(text: string, url: string): string {
  return text === url ? url : `${text} (${url})`;
}

/** The readable plain text of tokens: markers removed, links as `text (url)`. */
export function toPlainText(tokens: MarkdownToken[]): string {
  let out = '';
  for (const t of tokens) {
    if (t.kind === 'emphasis') out += toPlainText(t.inner);
    else if (t.kind === 'link') out += plainLink(t.text, t.url);
    else out += t.raw;
  }
  return out;
}

/** A run of rendered text; an atomic piece (a link, an emphasis, a URL) is never split. */
export interface TextPiece {
  text: string;
  atomic: boolean;
}

/**
 * The rendered text as pieces for the splitter. With `markdown` the markup passes through and
 * every span is atomic; without it, emphasis markers are removed and links read `text (url)`.
 * A span longer than a whole message cannot stay intact: it is rendered as plain, splittable text
 * (its words are kept, only its formatting is lost).
 */
export function toPieces(tokens: MarkdownToken[], markdown: boolean, limit: number): TextPiece[] {
  const pieces: TextPiece[] = [];
  for (const t of tokens) {
    if (t.kind === 'text') {
      pieces.push({ text: t.raw, atomic: false });
      continue;
    }
    if (markdown) {
      if (t.raw.length <= limit) pieces.push({ text: t.raw, atomic: true });
      else pieces.push(...toPieces([t], false, limit));
      continue;
    }
    if (t.kind === 'emphasis') {
      pieces.push(...toPieces(t.inner, false, limit));
      continue;
    }
    const text = t.kind === 'link' ? plainLink(t.text, t.url) : t.raw;
    pieces.push({ text, atomic: text.length <= limit });
  }
  return pieces;
}

/** Renders text for a transport: markdown kept for the widget, readable plain text elsewhere. */
export function renderText(text: string, markdown: boolean): string {
  return markdown ? text : toPlainText(parseMarkdown(text));
}
