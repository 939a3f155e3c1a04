/**
 * Splits a long text into parts no longer than a transport's limit.
 *
 * Whole paragraphs are packed into a part while they fit; a paragraph too long for one part is
 * split at line breaks, then at sentence ends, then between words, and only as a last resort
 * anywhere. It never cuts inside an atomic piece (a link, an emphasis, a URL) and never between
 * the two UTF-16 halves of a character. The whitespace at a cut is dropped; nothing else is.
 * Lengths are UTF-16 code units (`string.length`), as messengers such as Telegram count them.
 */
import { parseMarkdown, type TextPiece, toPieces } from './markdown';

/** Whitespace separators, strongest first. Each match is a region that may be dropped at a cut. */
const SEPARATORS: RegExp[] = [
  /\n[^\S\n]*\n\s*/g, // paragraph: a blank line
  /[^\S\n]*\n\s*/g, // line break
  /(?<=[.!?…]["'»)\]]*)\s+/g, // after a sentence end
  /\s+/g, // between words
];

const MIN_LIMIT = 2;

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

interface Range {
  start: number;
  end: number;
}

class Splitter {
  /** `blocked[i]` — no cut is allowed between text[i-1] and text[i]. */
  private readonly blocked: Uint8Array;

  constructor(
    private readonly text: string,
    pieces: TextPiece[],
    private readonly limit: number,
  ) {
    this.blocked = new Uint8Array(text.length + 1);
    let at = 0;
    for (const piece of pieces) {
      if (piece.atomic) for (let i = at + 1; i < at + piece.text.length; i++) this.blocked[i] = 1;
      at += piece.text.length;
    }
    for (let i = 1; i < text.length; i++) {
      if (isHighSurrogate(text.charCodeAt(i - 1)) && isLowSurrogate(text.charCodeAt(i))) this.blocked[i] = 1;
    }
  }

  split(): string[] {
    const whole = this.trim({ start: 0, end: this.text.length });
    if (whole.end <= whole.start) return [];
    return this.splitRange(whole, 0).map((r) => this.text.slice(r.start, r.end));
  }

  private trim(range: Range): Range {
    let { start, end } = range;
    while (start < end && /\s/.test(this.text[start]!) && !this.blocked[start + 1]) start++;
    while (end > start && /\s/.test(this.text[end - 1]!) && !this.blocked[end - 1]) end--;
    return { start, end };
  }

  private canCutRegion(start: number, end: number): boolean {
    for (let i = start; i <= end; i++) if (this.blocked[i]) return false;
    return true;
  }

  private separators(range: Range, level: number): Range[] {
    const pattern = new RegExp(SEPARATORS[level]!.source, 'g');
    const slice = this.text.slice(range.start, range.end);
    const found: Range[] = [];
    for (const m of slice.matchAll(pattern)) {
      const start = range.start + m.index;
      const end = start + m[0].length;
      if (start > range.start && end < range.end && this.canCutRegion(start, end)) found.push({ start, end });
    }
    return found;
  }

  private splitRange(range: Range, level: number): Range[] {
    if (range.end - range.start <= this.limit) return [range];
    if (level >= SEPARATORS.length) return this.hardSplit(range);
    const seps = this.separators(range, level);
    if (seps.length === 0) return this.splitRange(range, level + 1);

    const units: Range[] = [];
    let from = range.start;
    for (const sep of seps) {
      units.push(this.trim({ start: from, end: sep.start }));
      from = sep.end;
    }
    units.push(this.trim({ start: from, end: range.end }));

    const parts: Range[] = [];
    let current: Range | undefined;
    for (const unit of units) {
      if (unit.end <= unit.start) continue;
      if (unit.end - unit.start > this.limit) {
        if (current) parts.push(current);
        current = undefined;
        parts.push(...this.splitRange(unit, level + 1));
      } else if (current && unit.end - current.start <= this.limit) {
        current.end = unit.end;
      } else {
        if (current) parts.push(current);
        current = { ...unit };
      }
    }
    if (current) parts.push(current);
    return parts;
  }

  /** No whitespace to cut at: cut as late as allowed (before an atomic piece, between characters). */
  private hardSplit(range: Range): Range[] {
    const parts: Range[] = [];
    let start = range.start;
    while (range.end - start > this.limit) {
      let cut = start + this.limit;
      while (cut > start && this.blocked[cut]) cut--;
      if (cut === start) {
        // Cannot happen with the pieces toPieces makes (an atomic piece fits in a part); stay safe.
        cut = start + this.limit;
        if (isLowSurrogate(this.text.charCodeAt(cut))) cut--;
      }
      parts.push({ start, end: cut });
      start = cut;
    }
    parts.push({ start, end: range.end });
    return parts;
  }
}

/** Splits pre-rendered pieces (see `toPieces`) into parts of at most `limit` UTF-16 code units. */
export function splitPieces(pieces: TextPiece[], limit: number): string[] {
  const text = pieces.map((p) => p.text).join('');
  return new Splitter(text, pieces, Math.max(MIN_LIMIT, limit)).split();
}

export interface SplitOptions {
  limit: number;
  /** Keep the seed's markdown (web widget); otherwise render readable plain text. */
  markdown: boolean;
}

/** Renders text for a transport and splits it into parts; an empty or blank text gives no parts. */
export function renderAndSplit(text: string, options: SplitOptions): string[] {
  const limit = Math.max(MIN_LIMIT, options.limit);
  return splitPieces(toPieces(parseMarkdown(text), options.markdown, limit), limit);
}
