/** The sandbox's Chat2Desk API subset over real HTTP: envelope, errors, webhooks, messages, dialogs. */
import { startSandboxServer } from '../../../infra/local/sandbox';
import { makeTestToken } from '../../support/tokens';
import { api } from './receiver';

type Server = Awaited<ReturnType<typeof startSandboxServer>>;
let server: Server;

beforeAll(async () => {
  server = await startSandboxServer();
});
afterAll(async () => {
  await server.stop();
});

async function hook(token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { Authorization: token, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

describe('envelope and authentication', () => {
  it('answers api_info for any token with the success envelope', async () => {
    const token = makeTestToken();
    const res = await api(server.apiUrl, token, 'GET', '/v1/companies/api_info');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('success');
    expect(res.body.data).toEqual(expect.objectContaining({ company_name: expect.any(String) }));
  });

  it('rejects a missing token and tokens starting with "invalid" with 401', async () => {
    const missing = await api(server.apiUrl, undefined, 'GET', '/v1/companies/api_info');
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({
      status: 'error',
      message: expect.stringMatching(/You have to specify your token/),
    });
    const invalid = await api(server.apiUrl, 'invalid-token-123', 'GET', '/v1/companies/api_info');
    expect(invalid.status).toBe(401);
    expect(invalid.body).toEqual({ status: 'error', message: 'Token is not correct' });
    const bearer = await api(server.apiUrl, `Bearer ${makeTestToken()}`, 'GET', '/v1/companies/api_info');
    expect(bearer.status).toBe(401);
  });

  it('answers unknown paths with 404 "Page not found" and unknown ids with 404 "not_found"', async () => {
    const token = makeTestToken();
    const page = await api(server.apiUrl, token, 'GET', '/v1/unknown');
    expect(page.status).toBe(404);
    expect(page.body).toEqual({ status: 'error', message: 'Page not found' });
    const dialog = await api(server.apiUrl, token, 'GET', '/v1/dialogs/999');
    expect(dialog.status).toBe(404);
    expect(dialog.body.message).toBe('not_found');
  });

  it('answers malformed JSON with 400 and the error envelope', async () => {
    const res = await api(server.apiUrl, makeTestToken(), 'POST', '/v1/messages', '{"client_id":');
    expect(res.status).toBe(400);
    expect(res.body.status).toBe('error');
  });

  it('records every API request without the token in clear', async () => {
    const token = makeTestToken();
    const before = server.sandbox.requests.length;
    await api(server.apiUrl, token, 'GET', '/v1/operators?limit=5');
    const recorded = server.sandbox.requests.slice(before);
    expect(recorded).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: '/v1/operators',
        query: { limit: '5' },
        status: 200,
        account: expect.stringMatching(/^acct-[0-9a-f]{8}$/),
      }),
    ]);
    expect(JSON.stringify(server.sandbox.requests)).not.toContain(token);
  });
});

describe('webhooks', () => {
  it('creates, lists, updates and deletes webhooks per account', async () => {
    const token = makeTestToken();
    const created = await api(server.apiUrl, token, 'POST', '/v1/webhooks', {
      name: 'connector',
      url: 'http://127.0.0.1:9/hook/a',
      events: ['inbox', 'close_dialog'],
    });
    expect(created.status).toBe(200);
    const item = created.body.data as Record<string, unknown>;
    expect(item).toEqual(
      expect.objectContaining({
        id: expect.any(Number),
        status: 'enable',
        errors: [],
        events: ['inbox', 'close_dialog'],
      }),
    );

    const list = await api(server.apiUrl, token, 'GET', '/v1/webhooks');
    expect(list.body.data).toEqual([
      expect.objectContaining({ id: item.id, url: 'http://127.0.0.1:9/hook/a' }),
    ]);
    expect(list.body.meta).toEqual(expect.objectContaining({ total: 1 }));
    expect(await api(server.apiUrl, makeTestToken(), 'GET', '/v1/webhooks')).toEqual(
      expect.objectContaining({ body: expect.objectContaining({ data: [] }) }),
    );

    const updated = await api(server.apiUrl, token, 'PUT', `/v1/webhooks/${item.id}`, { status: 'disable' });
    expect(updated.body.data).toEqual(
      expect.objectContaining({ status: 'disable', url: 'http://127.0.0.1:9/hook/a' }),
    );
    expect(server.sandbox.webhooks(token)).toEqual([
      expect.objectContaining({ id: String(item.id), status: 'disable' }),
    ]);

    const deleted = await api(server.apiUrl, token, 'DELETE', `/v1/webhooks/${item.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.status).toBe('success');
    expect(server.sandbox.webhooks(token)).toEqual([]);
    const again = await api(server.apiUrl, token, 'DELETE', `/v1/webhooks/${item.id}`);
    expect(again.status).toBe(404);
  });

  it('refuses a url already used and a sixth webhook', async () => {
    const token = makeTestToken();
    for (let i = 0; i < 5; i++) {
      const res = await api(server.apiUrl, token, 'POST', '/v1/webhooks', {
        name: `h${i}`,
        url: `http://127.0.0.1:9/hook/${i}`,
        events: ['inbox'],
      });
      expect(res.status).toBe(200);
    }
    const duplicate = await api(
      server.apiUrl,
      token,
      'PUT',
      `/v1/webhooks/${(server.sandbox.webhooks(token)[1] as { id: string }).id}`,
      {
        url: 'http://127.0.0.1:9/hook/0',
      },
    );
    expect(duplicate.status).toBe(400);
    expect((duplicate.body.errors as { url: string[] }).url[0]).toMatch(/already used/);
    const sixth = await api(server.apiUrl, token, 'POST', '/v1/webhooks', {
      name: 'h6',
      url: 'http://127.0.0.1:9/hook/6',
      events: ['inbox'],
    });
    expect(sixth.status).toBe(400);
    expect(sixth.body.message).toMatch(/5/);
    expect(server.sandbox.webhooks(token)).toHaveLength(5);
  });

  it('validates the url and the events', async () => {
    const res = await api(server.apiUrl, makeTestToken(), 'POST', '/v1/webhooks', {
      url: 'not a url',
      events: ['nope'],
    });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.errors as object).sort()).toEqual(['events', 'url']);
  });
});

describe('messages, transcript, transfers and dialogs', () => {
  it('stores client and bot messages and returns both in the transcript', async () => {
    const token = makeTestToken();
    const inbound = await hook(token, 'POST', '/clients/4242/messages', {
      text: 'hello',
      attachments: [{ url: 'https://files.example.com/cat.png' }],
      transport: 'whatsapp',
    });
    expect(inbound.status).toBe(200);
    const { messageId, dialogId } = inbound.body as { messageId: string; dialogId: string };

    const sent = await api(server.apiUrl, token, 'POST', '/v1/messages', {
      client_id: 4242,
      text: 'Pick one',
      type: 'to_client',
      open_dialog: false,
      keyboard: { buttons: [{ type: 'reply', text: 'Yes' }] },
      inline_buttons: [{ type: 'url', text: 'Docs', url: 'https://example.com' }],
    });
    expect(sent.status).toBe(200);
    const data = sent.body.data as Record<string, unknown>;
    expect(data).toEqual({
      message_id: expect.any(Number),
      channel_id: expect.any(Number),
      operator_id: null,
      transport: 'whatsapp',
      type: 'to_client',
      client_id: 4242,
      dialog_id: Number(dialogId),
      request_id: expect.any(Number),
    });
    expect(data.message_id as number).toBeGreaterThan(Number(messageId));

    const file = await api(server.apiUrl, token, 'POST', '/v1/messages', {
      client_id: '4242',
      attachment: 'https://files.example.com/report.pdf',
      attachment_filename: 'report.pdf',
    });
    expect(file.status).toBe(200);

    const transcript = await hook(token, 'GET', '/clients/4242/messages');
    expect(transcript.body).toEqual([
      expect.objectContaining({
        id: messageId,
        direction: 'in',
        text: 'hello',
        transport: 'whatsapp',
        attachments: [{ name: 'cat.png', url: 'https://files.example.com/cat.png' }],
      }),
      expect.objectContaining({
        direction: 'out',
        text: 'Pick one',
        buttons: [
          { kind: 'keyboard', type: 'reply', text: 'Yes' },
          { kind: 'inline', type: 'url', text: 'Docs', url: 'https://example.com' },
        ],
      }),
      expect.objectContaining({
        direction: 'out',
        text: null,
        attachmentFilename: 'report.pdf',
        attachments: [{ name: 'report.pdf', url: 'https://files.example.com/report.pdf' }],
      }),
    ]);
    expect(server.sandbox.transcript(token, '4242')).toEqual(transcript.body);
  });

  it('validates a message: client_id, content, unknown client', async () => {
    const token = makeTestToken();
    await server.sandbox.clientMessage(token, '77', { text: 'hi' });
    const noClient = await api(server.apiUrl, token, 'POST', '/v1/messages', { text: 'x' });
    expect(noClient.status).toBe(400);
    expect(noClient.body.errors).toEqual({ client_id: [expect.any(String)] });
    const noText = await api(server.apiUrl, token, 'POST', '/v1/messages', { client_id: 77 });
    expect(noText.status).toBe(400);
    const unknown = await api(server.apiUrl, token, 'POST', '/v1/messages', { client_id: 78, text: 'x' });
    expect(unknown.status).toBe(404);
    expect(server.sandbox.transcript(token, '77')).toHaveLength(1);
  });

  it('transfers a dialog to an operator or a group and closes it once', async () => {
    const token = makeTestToken();
    const { messageId, dialogId } = await server.sandbox.clientMessage(token, '501', {
      text: 'human please',
    });

    const toOperator = await api(
      server.apiUrl,
      token,
      'GET',
      `/v1/messages/${messageId}/transfer?operator_id=1002`,
    );
    expect(toOperator.status).toBe(200);
    let dialog = await api(server.apiUrl, token, 'GET', `/v1/dialogs/${dialogId}`);
    expect(dialog.body.data).toEqual(
      expect.objectContaining({ id: Number(dialogId), state: 'open', operator_id: 1002 }),
    );

    const toGroup = await api(
      server.apiUrl,
      token,
      'GET',
      `/v1/messages/${messageId}/transfer_to_group?group_id=501`,
    );
    expect(toGroup.status).toBe(200);
    const assignee = (toGroup.body.data as { assignee: { id: number } }).assignee.id;
    expect([1002, 1003]).toContain(assignee);

    const badGroup = await api(
      server.apiUrl,
      token,
      'GET',
      `/v1/messages/${messageId}/transfer_to_group?group_id=9`,
    );
    expect(badGroup.status).toBe(404);
    expect(badGroup.body.message).toMatch(/operator group 9 not found/);
    const badMessage = await api(server.apiUrl, token, 'GET', '/v1/messages/1/transfer?operator_id=1002');
    expect(badMessage.status).toBe(404);

    const closed = await api(server.apiUrl, token, 'PUT', `/v1/dialogs/${dialogId}`, { state: 'closed' });
    expect(closed.body.data).toEqual(expect.objectContaining({ state: 'closed' }));
    const twice = await api(server.apiUrl, token, 'PUT', `/v1/dialogs/${dialogId}`, { state: 'closed' });
    expect(twice.status).toBe(400);
    expect(twice.body.message).toMatch(/already has state/);

    // The client writes again: the dialog reopens in the general queue (no operator).
    await server.sandbox.clientMessage(token, '501', { text: 'again' });
    dialog = await api(server.apiUrl, token, 'GET', `/v1/dialogs/${dialogId}`);
    expect(dialog.body.data).toEqual(expect.objectContaining({ state: 'open', operator_id: null }));
  });

  it('lists the seeded operators and groups', async () => {
    const token = makeTestToken();
    const operators = await api(server.apiUrl, token, 'GET', '/v1/operators');
    expect((operators.body.data as { id: number }[]).map((o) => o.id)).toEqual([1001, 1002, 1003]);
    const groups = await api(server.apiUrl, token, 'GET', '/v1/operators_groups');
    expect(groups.body.data).toEqual(
      expect.arrayContaining([{ id: 501, name: 'Support', operator_ids: [1002, 1003] }]),
    );
  });

  it('closes a dialog through the test hook and refuses to close it twice', async () => {
    const token = makeTestToken();
    const { dialogId } = await server.sandbox.clientMessage(token, '9001', { text: 'bye' });
    const first = await hook(token, 'POST', `/dialogs/${dialogId}/close`);
    expect(first.status).toBe(200);
    const second = await hook(token, 'POST', `/dialogs/${dialogId}/close`);
    expect(second.status).toBe(400);
    await expect(server.sandbox.closeDialog(token, dialogId)).rejects.toThrow(/already has state/);
  });

  it('throttles an account above rateLimitPerSecond with 429 and Retry-After', async () => {
    const limited = await startSandboxServer({ options: { rateLimitPerSecond: 2 } });
    try {
      const token = makeTestToken();
      const statuses: number[] = [];
      let last: Awaited<ReturnType<typeof api>> | undefined;
      for (let i = 0; i < 3; i++) {
        last = await api(limited.apiUrl, token, 'GET', '/v1/companies/api_info');
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 429]);
      expect(last?.headers.get('retry-after')).toBe('1');
      expect(last?.body).toEqual({ status: 'error', message: 'Number of API requests exceeded' });
      // Another account is not throttled.
      expect((await api(limited.apiUrl, makeTestToken(), 'GET', '/v1/companies/api_info')).status).toBe(200);
    } finally {
      await limited.stop();
    }
  });
});
