/**
 * Inbound files in every shape seen in the wild (reference §8), row by row into the agent event.
 * An item of no known shape is reported by its keys, never its content, and fails nothing.
 */
import { attachmentsOf, mapClientMessage } from '../../../shared/inbound/map-to-agent-event';
import { parseWebhookBody, type WebhookEvent } from '../../../shared/inbound/webhook-event';
import { inboxBody } from '../../support/webhook-events';

function parse(body: Record<string, unknown>): WebhookEvent & { client_id: string } {
  const result = parseWebhookBody(JSON.stringify(body));
  if (!result.ok) throw new Error(result.reason);
  return result.event as WebhookEvent & { client_id: string };
}

const URL = 'https://files.example.com/f/8c1d';

describe('attachment shapes into the agent event', () => {
  test.each([
    ['top-level photo', { photo: `${URL}.jpg` }, { kind: 'image', url: `${URL}.jpg` }],
    ['top-level video', { video: `${URL}.mp4` }, { kind: 'video', url: `${URL}.mp4` }],
    ['top-level audio', { audio: `${URL}.ogg` }, { kind: 'audio', url: `${URL}.ogg` }],
    ['top-level pdf', { pdf: `${URL}.pdf` }, { kind: 'pdf', url: `${URL}.pdf` }],
    ['top-level document', { document: `${URL}.docx` }, { kind: 'file', url: `${URL}.docx` }],
    [
      'attachments[] {name, link}',
      { attachments: [{ name: 'contract.pdf', link: URL }] },
      { kind: 'pdf', url: URL, name: 'contract.pdf' },
    ],
    [
      'attachments[] {url, name, mime_type}',
      { attachments: [{ url: URL, name: 'voice', mime_type: 'audio/ogg' }] },
      { kind: 'audio', url: URL, name: 'voice', mimeType: 'audio/ogg' },
    ],
    [
      'attachments[] {content_type, file: {url}}',
      { attachments: [{ content_type: 'video/mp4', file: { url: URL } }] },
      { kind: 'video', url: URL, mimeType: 'video/mp4' },
    ],
    [
      'attachments[] {name, mime_type, size, file: "<url>"}',
      { attachments: [{ name: 'scan', mime_type: 'application/pdf', size: 48213, file: URL }] },
      { kind: 'pdf', url: URL, name: 'scan', mimeType: 'application/pdf', size: 48213 },
    ],
    [
      'attachments[] {file: {url, name, content_type, size}}',
      { attachments: [{ file: { url: URL, name: 'photo.png', content_type: 'image/png', size: '1024' } }] },
      { kind: 'image', url: URL, name: 'photo.png', mimeType: 'image/png', size: 1024 },
    ],
    [
      'attachments[] bare URL string',
      { attachments: [`${URL}.webp`] },
      { kind: 'image', url: `${URL}.webp` },
    ],
    [
      'content type with parameters, kind from the type over the name',
      { attachments: [{ name: 'clip.bin', content_type: 'Video/MP4; codecs=avc1', link: URL }] },
      { kind: 'video', url: URL, name: 'clip.bin', mimeType: 'Video/MP4; codecs=avc1' },
    ],
    [
      'an unknown type leaves the kind to the name',
      { attachments: [{ name: 'table.xlsx', content_type: 'application/vnd.ms-excel', link: URL }] },
      { kind: 'file', url: URL, name: 'table.xlsx', mimeType: 'application/vnd.ms-excel' },
    ],
  ])('%s', (_shape, fields, expected) => {
    const event = parse(inboxBody({ client_id: 42, text: '', ...fields }));
    const agentEvent = mapClientMessage('ch-1', 'ch-1:inbox:1', event);
    expect(agentEvent.attachments).toEqual([expected]);
  });

  test('the same file in two places is passed once, with what each place says; non-http links are left out', () => {
    const event = parse(
      inboxBody({
        video: `${URL}.mp4`,
        attachments: [
          { content_type: 'video/mp4', file: { url: `${URL}.mp4` } },
          { link: 'javascript:alert(1)' },
          { file: 'ftp://files.example.com/x' },
        ],
      }),
    );
    expect(attachmentsOf(event)).toEqual([{ kind: 'video', url: `${URL}.mp4`, mimeType: 'video/mp4' }]);
  });

  test('an item of unknown shape is reported by its keys only and the rest still arrives', () => {
    const unknown: string[][] = [];
    const event = parse(
      inboxBody({
        client_id: 43,
        text: 'see attached',
        attachments: [
          { blob: 'c2VjcmV0IGNvbnRlbnQ=', caption: 'private text' },
          17,
          { name: 'a.png', link: URL },
        ],
      }),
    );
    const agentEvent = mapClientMessage('ch-1', 'ch-1:inbox:2', event, (keys) => unknown.push(keys));
    expect(agentEvent.clientMessage).toBe('see attached');
    expect(agentEvent.attachments).toEqual([{ kind: 'image', url: URL, name: 'a.png' }]);
    expect(unknown).toEqual([['blob', 'caption'], ['number']]);
    expect(JSON.stringify(unknown)).not.toContain('private');
  });

  test('attachments that are not an array at all do not fail the message', () => {
    const event = parse(inboxBody({ text: 'hi', attachments: { link: URL } }));
    expect(mapClientMessage('ch-1', 'ch-1:inbox:3', event).attachments).toEqual([]);
  });
});
