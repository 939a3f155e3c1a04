/**
 * The seed's "Communication in Chat2Desk" table, row by row (the Yes / Partially rows):
 * an outbound message on the FIFO queue → the reply function → what the client sees in the
 * Chat2Desk sandbox.
 */

import { BOT_OPERATOR_ID, OPERATORS } from '../../../infra/local/sandbox/index';
import { createChannelReader } from '../../../shared/adapters/dynamodb/channel-item';
import { stateOf } from '../../../shared/adapters/dynamodb/conversation-store';
import { createOutboundQueue } from '../../../shared/adapters/sqs/outbound-queue';
import { createSendCommand } from '../../../shared/outbound/send-command';
import { type OutboundWorld, startOutboundWorld } from './harness';

let world: OutboundWorld;
beforeAll(async () => {
  world = await startOutboundWorld();
});
afterAll(async () => {
  await world.close();
});

describe('1. markdown: supported in the widget, readable elsewhere', () => {
  const text =
    'Hello *there*, _friend_: __bold font__ and *__bold italics__*, see [link](http://www.example.com/)';

  test('the widget receives the markdown as written', async () => {
    const target = await world.clientWrites('widget');
    await world.enqueue(target, [{ type: 'text', text }]);
    await world.drain();
    expect(world.received(target.clientId).map((m) => m.text)).toEqual([text]);
  });

  test('Telegram receives plain text, the link as text (url)', async () => {
    const target = await world.clientWrites('telegram');
    await world.enqueue(target, [{ type: 'text', text }]);
    await world.drain();
    expect(world.received(target.clientId).map((m) => m.text)).toEqual([
      'Hello there, friend: bold font and bold italics, see link (http://www.example.com/)',
    ]);
  });
});

describe('2 + 3. channel_chat_id <client_id>|chat2desk; the agent writes first in an existing chat', () => {
  const sendVia = () =>
    createSendCommand({
      channels: createChannelReader({ client: world.db, tableName: world.tableName, cacheTtlMs: 0 }),
      outboundQueue: createOutboundQueue({ client: world.sqs, queueUrl: world.queues.outboundUrl }),
    });

  test('the operator accepted and remained in the chat: the bot can write', async () => {
    const target = await world.clientWrites('telegram');
    const operator = OPERATORS[1].id;
    await world.sandbox.clientMessage(world.token, target.clientId, {
      text: 'operator, please',
      operatorId: operator,
    });
    const result = await sendVia()({
      channelId: world.channel.id,
      chatId: `${target.clientId}|chat2desk`,
      replies: [
        { type: 'text', text: 'A reminder from the bot' },
        { type: 'text', text: 'and a second line' },
      ],
    });
    expect(result).toMatchObject({ ok: true, queued: 2 });
    expect(result.eventId).toMatch(/^send:/);
    await world.drain();
    const out = world.received(target.clientId);
    expect(out.map((m) => m.text)).toEqual(['A reminder from the bot', 'and a second line']);
    expect(out.every((m) => m.operatorId === String(BOT_OPERATOR_ID))).toBe(true);
  });

  test('the operator accepted and closed the chat: the bot can still write', async () => {
    const target = await world.clientWrites('telegram');
    await world.sandbox.closeDialog(world.token, target.dialogId!);
    await sendVia()({
      channelId: world.channel.id,
      chatId: `${target.clientId}|chat2desk`,
      replies: [{ type: 'text', text: 'We are still here' }],
    });
    await world.drain();
    expect(world.received(target.clientId).map((m) => m.text)).toEqual(['We are still here']);
  });
});

describe('4. buttons', () => {
  const reply = {
    type: 'text' as const,
    text: 'How can I help?',
    buttons: [
      { text: 'Order status' },
      { text: 'Talk to a person', payload: 'human' },
      { text: 'Our site', url: 'https://example.com/' },
    ],
  };

  test('Telegram: reply buttons as a keyboard, url buttons as inline url buttons', async () => {
    const target = await world.clientWrites('telegram');
    await world.enqueue(target, [reply]);
    await world.drain();
    const [message] = world.received(target.clientId);
    expect(message?.text).toBe('How can I help?');
    expect(message?.buttons).toEqual([
      { kind: 'keyboard', type: 'reply', text: 'Order status' },
      { kind: 'keyboard', type: 'reply', text: 'Talk to a person', payload: 'human' },
      { kind: 'inline', type: 'url', text: 'Our site', url: 'https://example.com/' },
    ]);
  });

  test('a transport without buttons gets a numbered list', async () => {
    const target = await world.clientWrites('sms');
    await world.enqueue(target, [reply]);
    await world.drain();
    const [message] = world.received(target.clientId);
    expect(message?.buttons).toEqual([]);
    expect(message?.text).toBe(
      'How can I help?\n\n1. Order status\n2. Talk to a person\n3. Our site (https://example.com/)',
    );
  });
});

describe('5. transfer to an operator', () => {
  test('to a named operator: transferred on the last inbound message, then "with a human"', async () => {
    const target = await world.clientWrites('telegram');
    await world.enqueue(target, [
      { type: 'transfer', operatorId: String(OPERATORS[1].id), text: 'Connecting you to Anna' },
    ]);
    await world.drain();
    expect(world.received(target.clientId).map((m) => m.text)).toEqual(['Connecting you to Anna']);
    const transfer = world.sandbox.requests.find(
      (r) => r.path === `/v1/messages/${target.lastInboundMessageId}/transfer`,
    );
    expect(transfer).toMatchObject({
      method: 'GET',
      status: 200,
      query: { operator_id: String(OPERATORS[1].id) },
    });
    expect((await world.conversations.find(world.channel.id, target))?.status).toMatchObject({
      state: 'human',
      reason: 'botTransfer',
    });
  });

  test('to an operator group', async () => {
    const target = await world.clientWrites('whatsapp');
    await world.enqueue(target, [{ type: 'transfer', groupId: '501' }]);
    await world.drain();
    const transfer = world.sandbox.requests.find(
      (r) => r.path === `/v1/messages/${target.lastInboundMessageId}/transfer_to_group`,
    );
    expect(transfer).toMatchObject({ status: 200, query: { group_id: '501' } });
    expect(stateOf(await world.conversations.find(world.channel.id, target))).toBe('human');
  });

  test('naming nobody: the dialog goes to the general queue', async () => {
    const target = await world.clientWrites('telegram');
    await world.enqueue(target, [{ type: 'transfer' }]);
    await world.drain();
    const update = world.sandbox.requests.find((r) => r.path === `/v1/dialogs/${target.dialogId}`);
    expect(update).toMatchObject({ method: 'PUT', status: 200, body: { operator_id: null } });
    expect(stateOf(await world.conversations.find(world.channel.id, target))).toBe('human');
  });
});

describe('6. files as files; images as images', () => {
  test('an image, a document and a PDF', async () => {
    const target = await world.clientWrites('telegram');
    await world.enqueue(target, [
      { type: 'file', url: 'https://files.example.com/cat.jpg', mimeType: 'image/jpeg' },
      { type: 'file', url: 'https://files.example.com/x/123', name: 'report.xlsx' },
      { type: 'file', url: 'https://files.example.com/price.pdf', name: 'Price list.pdf' },
    ]);
    await world.drain();
    const out = world.received(target.clientId);
    expect(out).toHaveLength(3);
    expect(out[0]).toMatchObject({
      attachments: [{ url: 'https://files.example.com/cat.jpg', name: 'cat.jpg' }],
      attachmentFilename: 'cat.jpg',
    });
    expect(out[1]).toMatchObject({
      attachments: [{ url: 'https://files.example.com/x/123', name: 'report.xlsx' }],
      attachmentFilename: 'report.xlsx',
    });
    expect(out[2]).toMatchObject({ pdf: 'https://files.example.com/price.pdf', attachments: [] });
    const imageSend = world
      .acceptedSends()
      .find((r) => (r.body as { attachment?: string }).attachment?.endsWith('cat.jpg'));
    expect(imageSend?.body).toMatchObject({ attachment: 'https://files.example.com/cat.jpg' });
  });
});

describe('7. files as links', () => {
  test('the link is in the text (widget: a markdown link; Telegram: name (url))', async () => {
    const widget = await world.clientWrites('widget');
    const telegram = await world.clientWrites('telegram');
    const file = {
      type: 'file' as const,
      url: 'https://storage.chat2desk.com/f/price.pdf',
      name: 'Price list',
      asLink: true,
    };
    await world.enqueue(widget, [file]);
    await world.enqueue(telegram, [file]);
    await world.drain();
    expect(world.received(widget.clientId)).toMatchObject([
      { text: '[Price list](https://storage.chat2desk.com/f/price.pdf)', attachments: [], pdf: null },
    ]);
    expect(world.received(telegram.clientId)).toMatchObject([
      { text: 'Price list (https://storage.chat2desk.com/f/price.pdf)', attachments: [], pdf: null },
    ]);
  });
});

describe('10. messages over 1000 characters', () => {
  test('a 10 000-character answer reaches a Telegram client whole, in order, in parts of ≤ 4096', async () => {
    const target = await world.clientWrites('telegram');
    const paragraphs = Array.from({ length: 20 }, (_, p) =>
      Array.from({ length: 10 }, (_, s) => `Paragraph ${p} sentence ${s} says something useful.`).join(' '),
    );
    const text = paragraphs.join('\n\n');
    expect(text.length).toBeGreaterThan(9000);
    await world.enqueue(target, [
      { type: 'text', text, buttons: [{ text: 'Thanks' }] },
      { type: 'text', text: 'And one more thing.' },
    ]);
    await world.drain();
    const out = world.received(target.clientId);
    const parts = out.slice(0, -1).map((m) => m.text!);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(4096);
    expect(parts.join('\n\n')).toBe(text);
    expect(out.at(-2)?.buttons).toEqual([{ kind: 'keyboard', type: 'reply', text: 'Thanks' }]);
    expect(out.at(-1)?.text).toBe('And one more thing.');
  });

  test('an unknown transport gets the safe 1000-character parts', async () => {
    const target = await world.clientWrites('skype');
    const text = 'word '.repeat(700).trim();
    await world.enqueue(target, [{ type: 'text', text }]);
    await world.drain();
    const parts = world.received(target.clientId).map((m) => m.text!);
    expect(parts.length).toBe(4);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(1000);
    expect(parts.join(' ')).toBe(text);
  });
});
