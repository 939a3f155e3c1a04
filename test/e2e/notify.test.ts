/**
 * `notify` ("Mailing with Notification") through the whole local stack: POST /management finds or
 * creates the Chat2Desk client by phone in the sandbox, the reply function delivers the mailing,
 * and the client's answer reaches the agent with channel_visitor_phone = the phone mailed.
 */
import type { LocalStack } from '../../infra/local/runtime/stack';
import { makeTestToken } from '../support/tokens';
import {
  clientSays,
  createActiveChannel,
  eventually,
  manage,
  replyMatching,
  startTestStack,
} from './helpers';

jest.setTimeout(60_000);

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack('notify');
});
afterAll(async () => {
  await stack?.stop();
});

const clientRequests = () => stack.sandbox.requests.filter((r) => r.path === '/v1/clients');

it('creates the client by phone, mails it, and its answer carries the phone to the agent', async () => {
  const token = makeTestToken('notify');
  const { id: channelId } = await createActiveChannel(stack.url, token);
  const result = await manage(stack.url, {
    action: 'notify',
    channelId,
    phone: '+7 (912) 345-67-89',
    replies: [{ type: 'text', text: 'Your order 42 is ready' }],
  });
  expect(result).toEqual({
    ok: true,
    clientId: expect.stringMatching(/^\d+$/),
    chatId: `${result.clientId}|chat2desk`,
    eventId: expect.stringMatching(/^send:/),
    queued: 1,
  });
  expect(JSON.stringify(result)).not.toContain(token);
  const clientId = result.clientId as string;
  expect(clientRequests().map((r) => `${r.method} ${r.status}`)).toEqual(['GET 200', 'POST 200']);
  expect(clientRequests()[1]?.body).toEqual({ phone: '79123456789', transport: 'whatsapp' });

  const mailed = await replyMatching(stack.url, token, clientId, 'Your order 42 is ready');
  expect(mailed.transport).toBe('whatsapp');

  await clientSays(stack.url, token, clientId, { text: 'thanks, coming', transport: 'whatsapp' });
  const seen = await eventually(async () =>
    stack.agent.events.find((e) => e.event.clientMessage === 'thanks, coming'),
  );
  expect(seen.event.variables.channel_visitor_phone).toBe('79123456789');
  expect(seen.event.chatId).toBe(`${clientId}|chat2desk`);

  // The same phone, written another way, finds the same client (no second POST).
  const again = await manage(stack.url, {
    action: 'notify',
    channelId,
    phone: '79123456789',
    transport: 'whatsapp',
    replies: [{ type: 'text', text: 'Reminder: order 42' }],
  });
  expect(again).toMatchObject({ ok: true, clientId });
  expect(clientRequests().filter((r) => r.method === 'POST')).toHaveLength(1);
  await replyMatching(stack.url, token, clientId, 'Reminder: order 42');
});

it('refuses with stable codes and changes nothing: unknown or inactive channel, bad phone, no "write first"', async () => {
  const token = makeTestToken('notify-refused');
  const { id: channelId } = await createActiveChannel(stack.url, token);
  const replies = [{ type: 'text', text: 'hello' }];
  const before = clientRequests().length;

  expect(
    await manage(stack.url, { action: 'notify', channelId: 'nope', phone: '79120000000', replies }),
  ).toEqual({
    ok: false,
    error: { code: 'NOT_FOUND', message: 'channel nope does not exist' },
  });
  const badPhone = await manage(stack.url, { action: 'notify', channelId, phone: 'call me', replies: [] });
  expect(badPhone).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
  expect(
    (badPhone.error as { details: { issues: { path: string }[] } }).details.issues.map((i) => i.path),
  ).toEqual(['phone', 'replies']);
  expect(
    await manage(stack.url, { action: 'notify', channelId, phone: '79120000000', replies, colour: 'red' }),
  ).toMatchObject({
    ok: false,
    error: { code: 'VALIDATION_FAILED', details: { issues: [{ path: 'colour' }] } },
  });

  stack.sandbox.setWriteFirstOption(token, false);
  const noWriteFirst = await manage(stack.url, {
    action: 'notify',
    channelId,
    phone: '79120000000',
    replies,
  });
  expect(noWriteFirst).toMatchObject({ ok: false, error: { code: 'WRITE_FIRST_DISABLED' } });
  expect((noWriteFirst.error as { message: string }).message).toContain('write_first_option');
  stack.sandbox.setWriteFirstOption(token, true);

  await manage(stack.url, { action: 'deactivate', channelId });
  expect(
    await manage(stack.url, { action: 'notify', channelId, phone: '79120000000', replies }),
  ).toMatchObject({
    ok: false,
    error: { code: 'CHANNEL_INACTIVE' },
  });
  // Nothing was looked up or created in Chat2Desk for any refused command.
  expect(clientRequests().length).toBe(before);
  expect(stack.sandbox.transcript(token, '900000001')).toEqual([]);
});
