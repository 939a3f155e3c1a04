/** Webhook deliveries of the sandbox to a real local receiver: payloads, signature, retries, order. */
import { createHash, createHmac } from 'node:crypto';
import { chat2deskSignature, startSandboxServer } from '../../../infra/local/sandbox';
import { makeTestToken } from '../../support/tokens';
import { api, type Receiver, startReceiver } from './receiver';

type Server = Awaited<ReturnType<typeof startSandboxServer>>;
let server: Server;
let receiver: Receiver;

const ALL_EVENTS = ['inbox', 'outbox', 'close_dialog', 'dialog_transferred'];

beforeEach(async () => {
  server = await startSandboxServer({ options: { webhookRetryDelaysMs: [30, 60, 90] } });
  receiver = await startReceiver();
});
afterEach(async () => {
  await server.stop();
  await receiver.stop();
});

/** Independent of the sandbox's implementation: reference §3.3. */
function expectedSignature(token: string, rawBody: string, timestamp: string): string {
  const key = createHash('md5').update(token).digest('hex');
  return createHmac('sha256', key)
    .update(rawBody + timestamp)
    .digest('hex');
}

async function register(token: string, events = ALL_EVENTS, path = '/hook'): Promise<string> {
  const res = await api(server.apiUrl, token, 'POST', '/v1/webhooks', {
    name: 'test',
    url: receiver.url(path),
    events,
  });
  expect(res.status).toBe(200);
  return String((res.body.data as { id: number }).id);
}

it('delivers inbox, outbox, dialog_transferred and close_dialog, signed', async () => {
  const token = makeTestToken();
  await register(token);
  const { messageId, dialogId } = await server.sandbox.clientMessage(token, '807892', {
    text: 'hi',
    attachments: [{ url: 'https://files.example.com/photo.jpg', name: 'photo.jpg' }],
    coordinates: { lat: 55.75, lon: 37.62 },
    clientName: 'Ivan',
  });
  const sent = await api(server.apiUrl, token, 'POST', '/v1/messages', {
    client_id: 807892,
    text: 'hello',
    operator_id: 1001,
  });
  await api(server.apiUrl, token, 'GET', `/v1/messages/${messageId}/transfer?operator_id=1002`);
  await server.sandbox.closeDialog(token, dialogId);
  await server.sandbox.idle();

  expect(receiver.received.map((r) => r.body.hook_type)).toEqual([
    'inbox',
    'outbox',
    'dialog_transferred',
    'close_dialog',
  ]);
  for (const delivery of receiver.received) {
    const timestamp = String(delivery.headers['x-timestamp']);
    expect(timestamp).toMatch(/^\d{10}$/);
    expect(delivery.headers['x-signature']).toBe(expectedSignature(token, delivery.rawBody, timestamp));
    expect(delivery.headers['content-type']).toMatch(/application\/json/);
  }
  const [inbox, outbox, transferred, closed] = receiver.received.map((r) => r.body);
  expect(inbox).toEqual({
    hook_type: 'inbox',
    message_id: Number(messageId),
    type: 'from_client',
    text: 'hi',
    transport: 'telegram',
    client_id: 807892,
    operator_id: null,
    dialog_id: Number(dialogId),
    channel_id: expect.any(Number),
    request_id: expect.any(Number),
    photo: 'https://files.example.com/photo.jpg',
    video: null,
    audio: null,
    pdf: null,
    coordinates: '55.75,37.62',
    attachments: [{ name: 'photo.jpg', link: 'https://files.example.com/photo.jpg' }],
    client: expect.objectContaining({ id: 807892, phone: '[tg] 807892', client_phone: null, name: 'Ivan' }),
    is_new_request: true,
    is_new_client: true,
    insta_comment: false,
    extra_data: {},
    event_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
  });
  expect(outbox).toEqual(
    expect.objectContaining({
      hook_type: 'outbox',
      type: 'to_client',
      message_id: (sent.body.data as { message_id: number }).message_id,
      operator_id: 1001,
      dialog_id: Number(dialogId),
    }),
  );
  expect(transferred).toEqual({
    hook_type: 'dialog_transferred',
    dialog_id: Number(dialogId),
    client_id: 807892,
    operator_id: 1002,
    event_time: expect.any(String),
  });
  expect(closed).toEqual({
    hook_type: 'close_dialog',
    dialog_id: Number(dialogId),
    client_id: 807892,
    operator_id: 1002,
    event_time: expect.any(String),
  });
  expect(server.sandbox.deliveries.map((d) => [d.hookType, d.attempt, d.status])).toEqual([
    ['inbox', 1, 200],
    ['outbox', 1, 200],
    ['dialog_transferred', 1, 200],
    ['close_dialog', 1, 200],
  ]);
});

it('sends only subscribed events of enabled webhooks of the same account', async () => {
  const token = makeTestToken();
  await register(token, ['close_dialog'], '/only-close');
  const disabledId = await register(token, ['inbox'], '/disabled');
  await api(server.apiUrl, token, 'PUT', `/v1/webhooks/${disabledId}`, { status: 'disable' });
  const other = makeTestToken();
  await register(other, ['inbox'], '/other');

  const { dialogId } = await server.sandbox.clientMessage(token, '1', { text: 'hi' });
  await server.sandbox.closeDialog(token, dialogId);
  await server.sandbox.idle();
  expect(receiver.received.map((r) => [r.path, r.body.hook_type])).toEqual([['/only-close', 'close_dialog']]);
});

it('uses a whatsapp-like phone for whatsapp clients', async () => {
  const token = makeTestToken();
  await register(token, ['inbox']);
  await server.sandbox.clientMessage(token, '31', { text: 'hi', transport: 'whatsapp' });
  await server.sandbox.idle();
  const client = receiver.received[0]?.body.client as { phone: string; client_phone: string };
  expect(client.phone).toMatch(/^\d{11}$/);
  expect(client.client_phone).toBe(client.phone);
});

it('retries a failed delivery with the same body, timestamp and signature, and logs the errors', async () => {
  const token = makeTestToken();
  const webhookId = await register(token, ['inbox']);
  receiver.failNext(500, 503);
  await server.sandbox.clientMessage(token, '5', { text: 'retry me' });
  await server.sandbox.idle();

  expect(receiver.received.map((r) => r.status)).toEqual([500, 503, 200]);
  const bodies = new Set(receiver.received.map((r) => r.rawBody));
  const timestamps = new Set(receiver.received.map((r) => r.headers['x-timestamp']));
  const signatures = new Set(receiver.received.map((r) => r.headers['x-signature']));
  expect([bodies.size, timestamps.size, signatures.size]).toEqual([1, 1, 1]);
  expect(server.sandbox.deliveries.map((d) => [d.attempt, d.status])).toEqual([
    [1, 500],
    [2, 503],
    [3, 200],
  ]);
  const hook = server.sandbox.webhooks(token).find((h) => h.id === webhookId);
  expect(hook?.errors.map((e) => e.text)).toEqual(['inbox: HTTP 500', 'inbox: HTTP 503']);
  expect(hook?.status).toBe('enable');
});

it('keeps the order of one client: a retry is not overtaken by the next message', async () => {
  const token = makeTestToken();
  await register(token, ['inbox']);
  receiver.respondWith((d) => (d.body.text === 'first' && receiver.received.length === 0 ? 500 : 200));
  await server.sandbox.clientMessage(token, '8', { text: 'first' });
  await server.sandbox.clientMessage(token, '8', { text: 'second' });
  await server.sandbox.idle();
  expect(receiver.received.map((r) => [r.body.text, r.status])).toEqual([
    ['first', 500],
    ['first', 200],
    ['second', 200],
  ]);
});

it('records network errors, gives up after the last retry and disables a webhook failing long enough', async () => {
  const failing = await startSandboxServer({
    options: { webhookRetryDelaysMs: [10, 10], webhookDisableAfterMs: 0 },
  });
  try {
    const token = makeTestToken();
    await api(failing.apiUrl, token, 'POST', '/v1/webhooks', {
      name: 'dead',
      url: 'http://127.0.0.1:9/nobody-listens',
      events: ['inbox'],
    });
    await failing.sandbox.clientMessage(token, '3', { text: 'lost' });
    await failing.sandbox.idle();
    // With disable-after 0 the first failure disables the webhook: no further attempts.
    expect(failing.sandbox.deliveries).toEqual([
      expect.objectContaining({ attempt: 1, error: expect.any(String) }),
    ]);
    const [hook] = failing.sandbox.webhooks(token);
    expect(hook?.status).toBe('disable');
    expect(hook?.errors).toHaveLength(1);
  } finally {
    await failing.stop();
  }
});

it('makes all attempts of the schedule before giving up', async () => {
  const token = makeTestToken();
  await register(token, ['inbox']);
  receiver.respondWith(() => 500);
  await server.sandbox.clientMessage(token, '4', { text: 'never' });
  await server.sandbox.clientMessage(token, '4', { text: 'after' });
  await server.sandbox.idle();
  // 1 + 3 retries for each message, in order.
  expect(receiver.received.map((r) => r.body.text)).toEqual([
    'never',
    'never',
    'never',
    'never',
    'after',
    'after',
    'after',
    'after',
  ]);
});

it('does not sign when signWebhooks is false', async () => {
  const unsigned = await startSandboxServer({ options: { signWebhooks: false } });
  try {
    const token = makeTestToken();
    await api(unsigned.apiUrl, token, 'POST', '/v1/webhooks', {
      name: 'u',
      url: receiver.url(),
      events: ['inbox'],
    });
    await unsigned.sandbox.clientMessage(token, '2', { text: 'plain' });
    await unsigned.sandbox.idle();
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]?.headers['x-signature']).toBeUndefined();
  } finally {
    await unsigned.stop();
  }
});

it('exports the signature function used for deliveries', () => {
  const token = makeTestToken();
  expect(chat2deskSignature(token, '{"a":1}', 1700000000)).toBe(
    expectedSignature(token, '{"a":1}', '1700000000'),
  );
});

it("changes an operator's status per account: GET /v1/operators lists it, operator_status_updated goes to webhooks subscribed as operator_status_changed", async () => {
  const token = makeTestToken();
  const other = makeTestToken();
  await register(token, ['operator_status_changed'], '/status');
  await register(token, ['inbox'], '/inbox-only');
  const hook = (body: unknown, id = '1001') =>
    fetch(`${server.url}/operators/${id}/status`, {
      method: 'POST',
      headers: { Authorization: token, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  expect((await hook({ online: 0, offline_type: 'inactive' })).status).toBe(200);
  expect((await hook({ online: 'no' })).status).toBe(400);
  expect((await hook({ online: 1 }, '4242')).status).toBe(404);
  await server.sandbox.idle();

  expect(receiver.received.map((r) => [r.path, r.body])).toEqual([
    [
      '/status',
      {
        hook_type: 'operator_status_updated',
        id: 1001,
        email: 'bot@sandbox.local',
        online: 0,
        offline_type: 'inactive',
        status_id: expect.any(Number),
        event_time: expect.any(String),
      },
    ],
  ]);
  const listed = async (t: string) =>
    ((await api(server.apiUrl, t, 'GET', '/v1/operators')).body.data as Record<string, unknown>[]).find(
      (o) => o.id === 1001,
    );
  expect(await listed(token)).toEqual(expect.objectContaining({ online: 0, offline_type: 'inactive' }));
  expect(await listed(other)).toEqual(expect.objectContaining({ online: 1, offline_type: null }));
});

it('with operatorStatusSubscription "updated", only a webhook subscribed as operator_status_updated gets the hook', async () => {
  const updated = await startSandboxServer({
    options: { webhookRetryDelaysMs: [30, 60, 90], operatorStatusSubscription: 'updated' },
  });
  try {
    const token = makeTestToken();
    for (const [events, path] of [
      [['operator_status_changed'], '/changed'],
      [['operator_status_updated'], '/updated'],
    ] as const) {
      const res = await api(updated.apiUrl, token, 'POST', '/v1/webhooks', {
        name: path,
        url: receiver.url(path),
        events,
      });
      expect(res.status).toBe(200);
    }
    await updated.sandbox.setOperatorStatus(token, '1002', { online: 0, offline_type: 'manual' });
    await updated.sandbox.idle();
    expect(receiver.received.map((r) => [r.path, r.body.hook_type, r.body.id])).toEqual([
      ['/updated', 'operator_status_updated', 1002],
    ]);
  } finally {
    await updated.stop();
  }
  // The default refuses the name it does not know.
  const refused = await api(server.apiUrl, makeTestToken(), 'POST', '/v1/webhooks', {
    name: 'x',
    url: receiver.url('/x'),
    events: ['operator_status_updated'],
  });
  expect(refused.status).toBe(400);
});
