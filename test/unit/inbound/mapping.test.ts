/** The seed's channel-variable table, classification and routing, row by row. Pure, no network. */

import { transferTransition } from '../../../shared/conversations/conversation';
import { classifyEvent } from '../../../shared/inbound/classify';
import {
  attachmentsOf,
  channelVariables,
  htmlToPlainText,
  inboundEventId,
  locationOf,
  mapClientMessage,
  mapDialogClosed,
  visitorPhone,
} from '../../../shared/inbound/map-to-agent-event';
import { routeByOperator, routeDialogClosed } from '../../../shared/inbound/routing';
import { parseWebhookBody, type WebhookEvent } from '../../../shared/inbound/webhook-event';
import { closeDialogBody, closeRequestBody, inboxBody } from '../../support/webhook-events';

function parse(body: Record<string, unknown>): WebhookEvent {
  const result = parseWebhookBody(JSON.stringify(body));
  if (!result.ok) throw new Error(result.reason);
  return result.event;
}

describe('channel variables (seed table)', () => {
  const event = parse(
    inboxBody({
      message_id: 111,
      operator_id: 222,
      client_id: 333,
      dialog_id: 444,
      client: { id: 333, phone: '+79990001122', name: 'Anna' },
    }),
  );
  const variables = channelVariables(event);
  it.each([
    ['channel_message_id', '111'],
    ['channel_message_recipient', '222'],
    ['channel_visitor_id', '333'],
    ['channel_conversation_id', '444'],
    ['channel_visitor_phone', '+79990001122'],
    ['channel_visitor_firstname', 'Anna'],
  ])('%s = %s', (name, value) => {
    expect(variables[name as keyof typeof variables]).toBe(value);
  });
  it.each([
    'channel_visitor_lastname',
    'channel_visitor_account',
    'channel_visitor_email',
    'channel_visitor_source',
    'channel_visitor_auth',
    'channel_visitor_location',
    'channel_reply_to',
  ])('%s is absent', (name) => {
    expect(name in variables).toBe(false);
  });
  it('leaves out variables whose source is null or missing (no operator, no dialog yet)', () => {
    const v = channelVariables(parse(inboxBody({ operator_id: null, dialog_id: '', client: null })));
    expect(Object.keys(v).sort()).toEqual(['channel_message_id', 'channel_visitor_id']);
  });
  it('reads ids given as strings and numbers alike', () => {
    const v = channelVariables(parse(inboxBody({ message_id: '0555', client_id: 9, operator_id: '7' })));
    expect(v).toMatchObject({
      channel_message_id: '555',
      channel_visitor_id: '9',
      channel_message_recipient: '7',
    });
  });
});

describe('visitor phone', () => {
  it.each([
    [{ phone: '+79990001122' }, '+79990001122'],
    [{ phone: '[tg] 8078', client_phone: '+7 999 000-11-22' }, '+7 999 000-11-22'],
    [{ phone: '[tg] 8078', client_phone: null }, '[tg] 8078'],
    [{ phone: '[chat] 1d0b', client_phone: 'not a phone' }, '[chat] 1d0b'],
    [{ phone: null, client_phone: '79990001122' }, '79990001122'],
    [{ phone: 79990001122 }, '79990001122'],
    [{}, undefined],
  ])('%j → %s', (client, expected) => {
    expect(visitorPhone(parse(inboxBody({ client })).client)).toBe(expected);
  });
});

describe('message content', () => {
  it.each([
    ['plain', 'plain'],
    ['a <b>bold</b> word', 'a bold word'],
    ['line<br>two<br/>three', 'line\ntwo\nthree'],
    ['&lt;tag&gt; &amp; &quot;q&quot; &#39;s&#39; &#8364;', '<tag> & "q" \'s\' €'],
    ['', ''],
  ])('HTML %j → %j', (html, text) => {
    expect(htmlToPlainText(html)).toBe(text);
  });

  it('maps photo, video, audio, pdf and attachments[] to attachments, without duplicates or non-http links', () => {
    const event = parse(
      inboxBody({
        photo: 'https://s.example/p.jpg',
        video: 'https://s.example/v.mp4',
        audio: 'https://s.example/a.ogg',
        pdf: 'https://s.example/d.pdf',
        attachments: [
          { name: 'report.xlsx', link: 'https://s.example/r' },
          { name: 'pic.png', link: 'https://s.example/x' },
          { link: 'https://s.example/p.jpg' },
          { name: 'evil', link: 'javascript:alert(1)' },
          'https://s.example/loose.mp3',
          42,
        ],
      }),
    );
    expect(attachmentsOf(event)).toEqual([
      { kind: 'image', url: 'https://s.example/p.jpg' },
      { kind: 'video', url: 'https://s.example/v.mp4' },
      { kind: 'audio', url: 'https://s.example/a.ogg' },
      { kind: 'pdf', url: 'https://s.example/d.pdf' },
      { kind: 'file', url: 'https://s.example/r', name: 'report.xlsx' },
      { kind: 'image', url: 'https://s.example/x', name: 'pic.png' },
      { kind: 'audio', url: 'https://s.example/loose.mp3' },
    ]);
  });

  it('a message with only files has an empty client message', () => {
    const event = parse(inboxBody({ text: null, photo: 'https://s.example/p.jpg' }));
    const mapped = mapClientMessage('ch', 'ch:inbox:1', event as WebhookEvent & { client_id: string });
    expect(mapped.clientMessage).toBe('');
    expect(mapped.attachments).toHaveLength(1);
  });

  it.each([
    ['55.7558,37.6173', { latitude: 55.7558, longitude: 37.6173 }],
    [' -33.86 , 151.2 ', { latitude: -33.86, longitude: 151.2 }],
    ['91,10', undefined],
    ['10,181', undefined],
    ['abc,def', undefined],
    ['1,2,3', undefined],
    ['', undefined],
  ])('coordinates %j → %j', (coordinates, location) => {
    expect(locationOf(coordinates)).toEqual(location);
  });

  it('builds the agent event with chatId <client_id>|chat2desk', () => {
    const event = parse(inboxBody({ client_id: 500482964, message_id: 1, text: 'hi' }));
    const mapped = mapClientMessage('ch', 'ch:inbox:1', event as WebhookEvent & { client_id: string });
    expect(mapped).toMatchObject({
      eventId: 'ch:inbox:1',
      chatId: '500482964|chat2desk',
      clientMessage: 'hi',
    });
    expect(mapped.channel).toEqual({ id: 'ch', type: 'chat2desk' });
    expect('location' in mapped).toBe(false);
  });

  it('a closed dialog becomes the service message', () => {
    const event = parse(closeDialogBody({ client_id: 5 }));
    expect(mapDialogClosed('ch', 'e', event as WebhookEvent & { client_id: string }).clientMessage).toBe(
      'c2d: dialog closed',
    );
  });
});

describe('event ids', () => {
  it('message: channel + hook type + message id; stable for the same message', () => {
    const event = parse(inboxBody({ message_id: 77 }));
    expect(inboundEventId('ch', event, 'message', '{}')).toBe('ch:inbox:77');
  });
  it('message without id: a hash of the body (Chat2Desk retries resend the same body)', () => {
    const event = parse({ hook_type: 'inbox', client_id: 1 });
    const a = inboundEventId('ch', event, 'message', '{"a":1}');
    expect(a).toMatch(/^ch:inbox:body-[0-9a-f]{32}$/);
    expect(inboundEventId('ch', event, 'message', '{"a":1}')).toBe(a);
    expect(inboundEventId('ch', event, 'message', '{"a":2}')).not.toBe(a);
  });
  it('close: channel + dialog (or request) + event time', () => {
    expect(
      inboundEventId('ch', parse(closeDialogBody({ dialog_id: 5, event_time: 'T' })), 'dialogClosed', ''),
    ).toBe('ch:close:5:T');
    expect(
      inboundEventId('ch', parse(closeRequestBody({ request_id: 6, event_time: 'T' })), 'dialogClosed', ''),
    ).toBe('ch:close:6:T');
  });
});

describe('classification', () => {
  it.each([
    [{ hook_type: 'inbox', type: 'from_client' }, 'clientMessage'],
    [{ hook_type: 'inbox' }, 'clientMessage'],
    [{ type: 'from_client' }, 'clientMessage'],
    [{ hook_type: 'inbox', type: 'system' }, 'skipped'],
    [{ hook_type: 'close_dialog' }, 'dialogClosed'],
    [{ hook_type: 'close_request' }, 'dialogClosed'],
    [{ hook_type: 'outbox' }, 'outbox'],
    [{ hook_type: 'dialog_transferred' }, 'dialogTransferred'],
    [{ hook_type: 'new_client' }, 'skipped'],
    [{ hook_type: 'operator_status_updated' }, 'operatorStatus'],
    [{}, 'skipped'],
  ])('%j → %s', (body, kind) => {
    expect(classifyEvent(parse(body)).kind).toBe(kind);
  });

  it.each([
    ['new_client', 'NewClient'],
    ['new_request', 'NewRequest'], // type common (the body's type is from_client here: not rating)
    ['add_tag_to_request', 'TagChanged'],
    ['delete_tag_from_request', 'TagChanged'],
    ['client_updated', 'ClientUpdated'],
    ['client_added_to_blacklist', 'ClientBlacklisted'],
    ['comment', 'Comment'],
    ['system_message', 'SystemMessage'],
    ['imported_message', 'ImportedMessage'],
    ['new_qr_code', 'QrCode'],
    ['new_ticket', 'Ticket'],
    ['ticket_updated', 'Ticket'],
    ['ticket_deleted', 'Ticket'],
    ['something_new', 'UnsupportedEvent'],
    ['toString', 'UnsupportedEvent'],
  ])('a %s hook is skipped by name as %s', (hookType, reason) => {
    expect(
      classifyEvent(parse({ hook_type: hookType, client_id: 1, message_id: 2, type: 'from_client' })),
    ).toEqual({
      kind: 'skipped',
      reason,
    });
  });

  it('sends the service message for a closed dialog only, not again for its closed request', () => {
    expect(classifyEvent(parse({ hook_type: 'close_dialog' }))).toEqual({
      kind: 'dialogClosed',
      serviceMessage: true,
    });
    expect(classifyEvent(parse({ hook_type: 'close_request' }))).toEqual({
      kind: 'dialogClosed',
      serviceMessage: false,
    });
  });

  it('keeps unknown fields and rejects ids that are not numbers', () => {
    const ok = parseWebhookBody(JSON.stringify({ hook_type: 'inbox', extra_field: { a: 1 } }));
    expect(ok.ok && (ok.event as Record<string, unknown>).extra_field).toEqual({ a: 1 });
    expect(parseWebhookBody(JSON.stringify({ hook_type: 'inbox', client_id: 'abc' })).ok).toBe(false);
    expect(parseWebhookBody('[1]').ok).toBe(false);
    expect(parseWebhookBody('{').ok).toBe(false);
  });
});

describe('routing (DESIGN §4.3)', () => {
  it.each([
    [undefined, undefined, true],
    [undefined, '5', false],
    ['9', undefined, false],
    ['9', '9', true],
    ['9', '5', false],
  ])('channel operator %s, event operator %s → handled %s', (channel, event, handled) => {
    expect(routeByOperator(channel, event).handle).toBe(handled);
  });
  it.each([
    [undefined, undefined, true],
    ['9', undefined, true],
    ['9', '9', true],
    ['9', '5', false],
    [undefined, '5', false],
  ])('close: channel operator %s, event operator %s → delivered %s', (channel, event, handled) => {
    expect(routeDialogClosed(channel, event).handle).toBe(handled);
  });
  it.each([
    ['9', '9', 'bot', 'transferredToBot'],
    ['9', '5', 'human', 'transferred'],
    ['9', undefined, 'human', 'groupTransfer'],
    [undefined, undefined, 'human', 'groupTransfer'],
    [undefined, '5', 'human', 'transferred'],
  ])('transfer: channel operator %s, to %s → %s (%s)', (channel, to, state, reason) => {
    expect(transferTransition(channel, to, 1)).toEqual({ to: state, reason, atMs: 1 });
  });
});
