import { parseMarkdown, renderText } from '../../../shared/outbound/render/markdown';

describe('the seed markdown subset', () => {
  // [input, widget (markdown passes through), any other transport (plain)]
  const cases: Array<[string, string]> = [
    ['*italics*', 'italics'],
    ['_italics_', 'italics'],
    ['__bold font__', 'bold font'],
    ['*__bold italics__*', 'bold italics'],
    ['[link](http://www.example.com/)', 'link (http://www.example.com/)'],
    ['see [the docs](https://d.io/x) now', 'see the docs (https://d.io/x) now'],
    ['[https://d.io](https://d.io)', 'https://d.io'],
    ['mix *a* _b_ __c__ *__d__*', 'mix a b c d'],
    ['*see [x](https://e.io)*', 'see x (https://e.io)'],
    // Not markup: left exactly as written.
    ['snake_case_name', 'snake_case_name'],
    ['2 * 3 * 4', '2 * 3 * 4'],
    ['a * b*', 'a * b*'],
    ['unclosed *italic', 'unclosed *italic'],
    ['__ not bold __', '__ not bold __'],
    ['*across\nlines*', '*across\nlines*'],
    ['[no url](ftp://x)', '[no url](ftp://x)'],
    ['https://x.io/a_b_c/__d__ stays', 'https://x.io/a_b_c/__d__ stays'],
    ['emoji 😀 *ok* 👍🏽', 'emoji 😀 ok 👍🏽'],
    ['', ''],
  ];

  test.each(cases)('%j reads %j as plain text and passes through for the widget', (input, plain) => {
    expect(renderText(input, false)).toBe(plain);
    expect(renderText(input, true)).toBe(input);
  });

  test('tokens name what was recognised', () => {
    expect(parseMarkdown('a *b* [c](https://c.io) https://u.io.').map((t) => t.kind)).toEqual([
      'text',
      'emphasis',
      'text',
      'link',
      'text',
      'url',
      'text',
    ]);
    const bold = parseMarkdown('*__x__*')[0];
    expect(bold).toMatchObject({ kind: 'emphasis', style: 'boldItalic' });
  });

  test('a URL at a sentence end leaves the full stop out', () => {
    const url = parseMarkdown('go to https://u.io/a. Then').find((t) => t.kind === 'url');
    expect(url?.raw).toBe('https://u.io/a');
  });
});
