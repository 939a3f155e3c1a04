/**
 * What live Chat2Desk accounts do that the sandbox models behind switches (docs/SANDBOX.md):
 * the inactivity auto-close, WhatsApp's customer service window, and a message the messenger
 * refused (`outbox_status`), each against a real receiver.
 */
import { AUTO_CLOSE_TEXT, WHATSAPP_WINDOW_ERROR } from '../../../infra/local/sandbox/model';
import { realismFromEnv } from '../../../infra/local/sandbox/realism';
import { api, type SandboxServer, sandboxWithReceiver } from './receiver';

type Server = SandboxServer;
const sandbox = sandboxWithReceiver(['inbox', 'outbox', 'outbox_status', 'close_dialog', 'close_request']);
const { start, bodies } = sandbox;

async function hook(s: Server, token: string, path: string, body: unknown) {
  const response = await fetch(`${s.url}${path}`, {
    method: 'POST',
    headers: { authorization: token, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('inactivity auto-close', () => {
  test.each([false, true])(
    'minimalCloseEvents %s: an idle dialog is closed with the system line and the close events',
    async (minimal) => {
      const { token, s } = await start({ autoCloseIdleMs: 300, minimalCloseEvents: minimal });
      const { dialogId } = await s.sandbox.clientMessage(token, '601', { text: 'hi', operatorId: 1002 });
      await until(() => bodies('close_request').length === 1, 'the auto-close');
      await s.sandbox.idle();
      const closeDialog = bodies('close_dialog');
      expect(closeDialog).toHaveLength(1);
      expect(closeDialog[0]?.dialog_id).toBe(Number(dialogId));
      expect(Object.hasOwn(closeDialog[0]!, 'client_id')).toBe(!minimal);
      const last = s.sandbox.transcript(token, '601').at(-1);
      expect([last?.type, last?.text]).toEqual(['system', AUTO_CLOSE_TEXT]);
      // Closed once: a closed dialog stays quiet until the client writes again.
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(bodies('close_dialog')).toHaveLength(1);
    },
  );

  test('a dialog with messages keeps open; without the option nothing closes', async () => {
    const { token, s } = await start({});
    await s.sandbox.clientMessage(token, '602', { text: 'hi' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await s.sandbox.idle();
    expect(bodies('close_dialog')).toEqual([]);
  });

  test('SANDBOX_AUTO_CLOSE_IDLE_SECONDS and SANDBOX_WHATSAPP_WINDOW_HOURS', () => {
    expect(
      realismFromEnv({ SANDBOX_AUTO_CLOSE_IDLE_SECONDS: '90', SANDBOX_WHATSAPP_WINDOW_HOURS: '24' }),
    ).toEqual({ autoCloseIdleMs: 90_000, whatsappWindowHours: 24 });
    expect(realismFromEnv({}, 'minimal').whatsappWindowHours).toBe(24);
    expect(() => realismFromEnv({ SANDBOX_AUTO_CLOSE_IDLE_SECONDS: 'soon' })).toThrow(
      'SANDBOX_AUTO_CLOSE_IDLE_SECONDS=soon is not a positive number',
    );
  });
});

describe("WhatsApp's window and refused messages", () => {
  test('a message to a WhatsApp client who last wrote before the window is stored, not delivered, and reported', async () => {
    const { token, s } = await start({ whatsappWindowHours: 24 });
    await s.sandbox.clientMessage(token, '611', { text: 'hi', transport: 'whatsapp' });
    const inside = await api(s.apiUrl, token, 'POST', '/v1/messages', { client_id: 611, text: 'inside' });
    expect(inside.status).toBe(200);

    const aged = await hook(s, token, '/clients/611/age', { hours: 25 });
    expect(aged.status).toBe(200);
    expect((await hook(s, token, '/clients/611/age', { hours: -1 })).status).toBe(400);
    const outside = await api(s.apiUrl, token, 'POST', '/v1/messages', {
      client_id: 611,
      text: 'outside',
      external_id: 'ext-1',
    });
    expect(outside.status).toBe(200);
    await s.sandbox.idle();

    const messageId = (outside.body as { data: { message_id: number } }).data.message_id;
    const statuses = bodies('outbox_status');
    expect(statuses).toHaveLength(1);
    expect(statuses[0]).toMatchObject({
      hook_type: 'outbox_status',
      message_id: messageId,
      status: 'error',
      error: WHATSAPP_WINDOW_ERROR,
      client_id: 611,
    });
    const out = s.sandbox.transcript(token, '611').filter((m) => m.direction === 'out');
    expect(out.map((m) => [m.text, m.deliveryError])).toEqual([
      ['inside', undefined],
      ['outside', WHATSAPP_WINDOW_ERROR],
    ]);
  });

  test('a wa_* transport has the window; telegram has none', async () => {
    const { token, s } = await start({ whatsappWindowHours: 24 });
    await s.sandbox.clientMessage(token, '612', { text: 'hi', transport: 'wa_dialog' });
    await s.sandbox.clientMessage(token, '613', { text: 'hi', transport: 'telegram' });
    await hook(s, token, '/clients/612/age', { hours: 30 });
    await hook(s, token, '/clients/613/age', { hours: 30 });
    await api(s.apiUrl, token, 'POST', '/v1/messages', { client_id: 612, text: 'late' });
    await api(s.apiUrl, token, 'POST', '/v1/messages', { client_id: 613, text: 'late' });
    await s.sandbox.idle();
    expect(bodies('outbox_status').map((b) => b.client_id)).toEqual([612]);
  });

  test('POST /sandbox/messages/{id}/fail makes any message fail the same way', async () => {
    const { token, s } = await start({});
    await s.sandbox.clientMessage(token, '621', { text: 'hi' });
    const sent = await api(s.apiUrl, token, 'POST', '/v1/messages', { client_id: 621, text: 'hello' });
    const messageId = (sent.body as { data: { message_id: number } }).data.message_id;

    expect((await hook(s, token, `/messages/${messageId}/fail`, { error: 'blocked by user' })).status).toBe(
      200,
    );
    expect((await hook(s, token, '/messages/1/fail', {})).status).toBe(404);
    expect((await hook(s, token, `/messages/${messageId}/fail`, { error: 7 })).status).toBe(400);
    const other = await fetch(`${s.url}/messages/${messageId}/fail`, { method: 'POST', body: '{}' });
    expect(other.status).toBe(401);
    await s.sandbox.idle();
    expect(bodies('outbox_status')).toEqual([
      expect.objectContaining({
        message_id: messageId,
        status: 'error',
        error: 'blocked by user',
        client_id: 621,
      }),
    ]);
    expect(s.sandbox.transcript(token, '621').at(-1)?.deliveryError).toBe('blocked by user');
  });
});
