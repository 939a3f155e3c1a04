import type { Reply } from '../../../shared/domain/reply';
import { renderReply } from '../../../shared/outbound/render/render-reply';
import type { SendOperation } from '../../../shared/outbound/render/send-operations';
import { transportProfile } from '../../../shared/outbound/render/transport-profiles';

describe('transport profiles (one table)', () => {
  test.each([
    ['telegram', 4096, false, true],
    ['whatsapp', 4096, false, true],
    ['wa_dialog', 4096, false, true],
    ['vkontakte', 4096, false, true],
    ['vk', 4096, false, true],
    ['viber', 7000, false, true],
    ['viber_business', 7000, false, true],
    ['widget', 4096, true, true],
    ['facebook', 2000, false, true],
    ['sms', 1000, false, false],
    ['email', 1000, false, false],
    ['skype', 1000, false, false],
    [undefined, 1000, false, false],
  ])('%s: limit %d, markdown %s, buttons %s', (transport, limit, markdown, buttons) => {
    expect(transportProfile(transport)).toEqual({ maxTextLength: limit, markdown, buttons });
  });
});

describe('rendering a reply', () => {
  const cases: Array<[string, Reply, string | undefined, SendOperation[]]> = [
    [
      'markdown passes through in the widget',
      { type: 'text', text: '*Hi* __there__ [site](https://s.io)' },
      'widget',
      [{ kind: 'message', text: '*Hi* __there__ [site](https://s.io)' }],
    ],
    [
      'markdown becomes plain text in Telegram',
      { type: 'text', text: '*Hi* __there__ [site](https://s.io)' },
      'telegram',
      [{ kind: 'message', text: 'Hi there site (https://s.io)' }],
    ],
    [
      'reply buttons become a keyboard, url buttons inline buttons',
      {
        type: 'text',
        text: 'Choose',
        buttons: [{ text: 'Yes', payload: 'y' }, { text: 'No' }, { text: 'Site', url: 'https://s.io' }],
      },
      'telegram',
      [
        {
          kind: 'message',
          text: 'Choose',
          replyButtons: [{ text: 'Yes', payload: 'y' }, { text: 'No' }],
          urlButtons: [{ text: 'Site', url: 'https://s.io' }],
        },
      ],
    ],
    [
      'buttons become a numbered list where none are shown',
      { type: 'text', text: 'Choose', buttons: [{ text: 'Yes' }, { text: 'Site', url: 'https://s.io' }] },
      'sms',
      [{ kind: 'message', text: 'Choose\n\n1. Yes\n2. Site (https://s.io)' }],
    ],
    [
      'an image is an attachment shown as an image',
      { type: 'file', url: 'https://f.io/a/cat.png' },
      'telegram',
      [
        {
          kind: 'message',
          file: { url: 'https://f.io/a/cat.png', format: 'attachment', image: true, filename: 'cat.png' },
        },
      ],
    ],
    [
      'a file is an attachment with its name',
      { type: 'file', url: 'https://f.io/x', name: 'report.xlsx', mimeType: 'application/vnd.ms-excel' },
      'widget',
      [
        {
          kind: 'message',
          file: { url: 'https://f.io/x', format: 'attachment', image: false, filename: 'report.xlsx' },
        },
      ],
    ],
    [
      'a PDF goes in the pdf field',
      { type: 'file', url: 'https://f.io/doc.pdf' },
      'whatsapp',
      [
        {
          kind: 'message',
          file: { url: 'https://f.io/doc.pdf', format: 'pdf', image: false, filename: 'doc.pdf' },
        },
      ],
    ],
    [
      'a PDF by mime type',
      { type: 'file', url: 'https://f.io/d?id=1', name: 'Invoice', mimeType: 'application/pdf' },
      'telegram',
      [
        {
          kind: 'message',
          file: { url: 'https://f.io/d?id=1', format: 'pdf', image: false, filename: 'Invoice' },
        },
      ],
    ],
    [
      'asLink sends the link in the text (widget: a markdown link)',
      { type: 'file', url: 'https://f.io/doc.pdf', name: 'Price list', asLink: true },
      'widget',
      [{ kind: 'message', text: '[Price list](https://f.io/doc.pdf)' }],
    ],
    [
      'asLink elsewhere reads name (url)',
      { type: 'file', url: 'https://f.io/doc.pdf', name: 'Price list', asLink: true },
      'telegram',
      [{ kind: 'message', text: 'Price list (https://f.io/doc.pdf)' }],
    ],
    [
      'transfer: its text first, then the transfer',
      { type: 'transfer', groupId: '7', text: 'Connecting you to a person' },
      'telegram',
      [
        { kind: 'message', text: 'Connecting you to a person' },
        { kind: 'transfer', groupId: '7' },
      ],
    ],
    [
      'transfer without text',
      { type: 'transfer', operatorId: '42' },
      'telegram',
      [{ kind: 'transfer', operatorId: '42' }],
    ],
  ];

  test.each(cases)('%s', (_name, reply, transport, expected) => {
    expect(renderReply(reply, transport)).toEqual(expected);
  });

  test('a long text is split and the buttons go on the last part', () => {
    const text = Array.from({ length: 60 }, (_, i) => `Sentence number ${i} is here.`).join(' ');
    const ops = renderReply({ type: 'text', text, buttons: [{ text: 'OK' }] }, 'sms');
    expect(ops.length).toBeGreaterThan(1);
    for (const op of ops) expect(op.kind === 'message' && op.text!.length <= 1000).toBe(true);
    expect(ops.at(-1)).toMatchObject({ kind: 'message' });
    expect((ops.at(-1) as { text: string }).text.endsWith('1. OK')).toBe(true);

    const native = renderReply({ type: 'text', text: text.repeat(3), buttons: [{ text: 'OK' }] }, 'telegram');
    expect(native.length).toBeGreaterThan(1);
    expect(native.filter((op) => op.kind === 'message' && op.replyButtons)).toHaveLength(1);
    expect(native.at(-1)).toMatchObject({ replyButtons: [{ text: 'OK' }] });
  });
});
