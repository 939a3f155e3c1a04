/** The chat page's widget rendering of the seed's markdown subset: formatting and escaping. */
// The page script is plain browser JS; it exports its pure helpers under CommonJS.
const { renderWidgetMarkdown } = require('../../../infra/local/sandbox/page/chat.js') as {
  renderWidgetMarkdown(text: string): string;
};

describe('renderWidgetMarkdown', () => {
  it.each([
    ['*italics*', '<i>italics</i>'],
    ['_italics_', '<i>italics</i>'],
    ['__bold__', '<b>bold</b>'],
    ['*__bold italics__*', '<b><i>bold italics</i></b>'],
    [
      'see [the docs](https://example.com/a_b_c?x=1&y=2)',
      'see <a href="https://example.com/a_b_c?x=1&amp;y=2" target="_blank" rel="noopener noreferrer">the docs</a>',
    ],
    ['snake_case_name stays', 'snake_case_name stays'],
    ['2 * 3 * 4', '2 * 3 * 4'],
  ])('%s', (input, html) => {
    expect(renderWidgetMarkdown(input)).toBe(html);
  });

  it('escapes HTML before formatting', () => {
    expect(renderWidgetMarkdown('<img src=x onerror=alert(1)> *hi*')).toBe(
      '&lt;img src=x onerror=alert(1)&gt; <i>hi</i>',
    );
    expect(renderWidgetMarkdown('[x](javascript:alert(1))')).toBe('[x](javascript:alert(1))');
    expect(renderWidgetMarkdown('[x](https://e.com/"onmouseover="a)')).not.toContain('"onmouseover');
  });
});
