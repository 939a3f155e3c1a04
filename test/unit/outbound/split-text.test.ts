import fc from 'fast-check';
import { parseMarkdown, renderText } from '../../../shared/outbound/render/markdown';
import { renderAndSplit } from '../../../shared/outbound/render/split-text';

/** Checks that the parts are the text in order with only whitespace left out at the cuts. */
function rejoinsTo(parts: string[], original: string): boolean {
  let pos = 0;
  for (const part of parts) {
    while (pos < original.length && /\s/.test(original[pos]!)) pos++;
    if (!original.startsWith(part, pos)) return false;
    pos += part.length;
  }
  return original.slice(pos).trim().length === 0;
}

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;

function spans(text: string): string[] {
  return parseMarkdown(text)
    .filter((t) => t.kind !== 'text')
    .map((t) => `${t.kind}:${t.raw}`);
}

describe('splitting long text', () => {
  test('short text is one part, blank text none', () => {
    expect(renderAndSplit('hello', { limit: 10, markdown: false })).toEqual(['hello']);
    expect(renderAndSplit('  \n ', { limit: 10, markdown: false })).toEqual([]);
  });

  // [name, text, limit, expected parts]
  const cases: Array<[string, string, number, string[]]> = [
    ['paragraphs are packed while they fit', 'aaa bbb\n\nccc\n\nddd eee', 12, ['aaa bbb\n\nccc', 'ddd eee']],
    [
      'a long paragraph is split at line breaks',
      'line one\nline two\nline three',
      18,
      ['line one\nline two', 'line three'],
    ],
    [
      'then at sentence ends',
      'One two three. Four five six! Seven eight?',
      30,
      ['One two three. Four five six!', 'Seven eight?'],
    ],
    ['then between words', 'alpha beta gamma delta', 11, ['alpha beta', 'gamma delta']],
    ['then anywhere, as a last resort', 'abcdefghijkl', 5, ['abcde', 'fghij', 'kl']],
    ['never between the halves of an emoji', '😀😀😀', 3, ['😀', '😀', '😀']],
    ['never inside an emphasis', 'aa *bb cc* dd', 8, ['aa', '*bb cc*', 'dd']],
    ['never inside a link', 'x [a b c](https://e.io) y', 22, ['x', '[a b c](https://e.io)', 'y']],
    [
      'never inside a bare URL, even without spaces',
      'abc https://e.io/abcdef',
      20,
      ['abc', 'https://e.io/abcdef'],
    ],
  ];

  test.each(cases)('%s', (_name, text, limit, expected) => {
    expect(renderAndSplit(text, { limit, markdown: true })).toEqual(expected);
  });

  test('plain transports keep a link readable and whole', () => {
    const parts = renderAndSplit(`${'word '.repeat(5)}[our price list](https://e.io/p)`, {
      limit: 40,
      markdown: false,
    });
    expect(parts).toContain('our price list (https://e.io/p)');
  });

  test('an emphasis longer than a whole part loses its markers, never a word', () => {
    const inner = Array.from({ length: 30 }, (_, i) => `w${i}`).join(' ');
    const parts = renderAndSplit(`__${inner}__`, { limit: 40, markdown: true });
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.join(' ')).toBe(inner);
  });

  test('a 10 000-character answer reaches Telegram in 3 parts of at most 4096', () => {
    const sentence = 'This sentence is exactly fifty characters long ok. ';
    const text = sentence.repeat(200).trim();
    const parts = renderAndSplit(text, { limit: 4096, markdown: false });
    expect(parts).toHaveLength(3);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(4096);
    expect(rejoinsTo(parts, text)).toBe(true);
    expect(parts[0]!.endsWith('ok.')).toBe(true);
  });
});

describe('splitter properties', () => {
  const word = fc.stringMatching(/^[a-zA-Z0-9]{1,12}$/);
  const longWord = fc.stringMatching(/^[a-z]{30,70}$/);
  const emoji = fc.constantFrom('😀', '👍🏽', '𝔸𝔹', 'ё', '中文');
  const phrase = fc.array(word, { minLength: 1, maxLength: 3 }).map((w) => w.join(' '));
  const markup = fc.oneof(
    phrase.map((p) => `*${p}*`),
    word.map((w) => `_${w}_`),
    phrase.map((p) => `__${p}__`),
    phrase.map((p) => `*__${p}__*`),
    fc.tuple(phrase, word).map(([p, w]) => `[${p}](https://ex.com/${w})`),
    word.map((w) => `https://ex.com/${w}`),
  );
  const segment = fc.oneof(
    { arbitrary: word, weight: 6 },
    { arbitrary: emoji, weight: 2 },
    { arbitrary: markup, weight: 2 },
    { arbitrary: longWord, weight: 1 },
  );
  const separator = fc.constantFrom(' ', ' ', ' ', '\n', '\n\n', '. ', '! ', '  \n\n  ');
  const text = fc
    .array(fc.tuple(segment, separator), { minLength: 1, maxLength: 120 })
    .map((pairs) => pairs.map(([s, sep]) => s + sep).join(''));

  test('parts rejoin to the text, fit the limit, keep markup whole and characters unbroken', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 72, max: 400 }), fc.boolean(), (input, limit, markdown) => {
        const parts = renderAndSplit(input, { limit, markdown });
        const expected = renderText(input, markdown);
        expect(rejoinsTo(parts, expected)).toBe(true);
        for (const part of parts) {
          expect(part.length).toBeGreaterThan(0);
          expect(part.length).toBeLessThanOrEqual(limit);
          expect(isLow(part.charCodeAt(0))).toBe(false);
          expect(isHigh(part.charCodeAt(part.length - 1))).toBe(false);
        }
        if (markdown) {
          expect(parts.flatMap(spans)).toEqual(spans(input));
        } else {
          const links = parseMarkdown(input).filter((t) => t.kind === 'link' || t.kind === 'url');
          for (const l of links) {
            const shown = l.kind === 'link' ? `${l.text} (${l.url})` : l.raw;
            expect(parts.some((p) => p.includes(shown))).toBe(true);
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});
