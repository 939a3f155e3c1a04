/** The sandbox's tags, client card and comments over real HTTP, and the `closeClosedRequest` switch. */
import { startSandboxServer } from '../../../infra/local/sandbox';
import { makeTestToken } from '../../support/tokens';
import { api, type SandboxServer } from './receiver';

let server: SandboxServer;
let lenient: SandboxServer;
beforeAll(async () => {
  server = await startSandboxServer();
  lenient = await startSandboxServer({ options: { closeClosedRequest: 'success' } });
});
afterAll(async () => {
  await server.stop();
  await lenient.stop();
});

async function card(s: SandboxServer, token: string, clientId: string) {
  return (await api(s.url, token, 'GET', `/clients/${clientId}`)).body;
}

test('GET /v1/tags lists the account tags; assign_to takes ids for a request or a client', async () => {
  const token = makeTestToken('sbx-tags');
  const tags = await api(server.apiUrl, token, 'GET', '/v1/tags');
  expect(tags.status).toBe(200);
  expect((tags.body.data as { label: string }[]).map((t) => t.label)).toEqual(['vip', 'complaint', 'lead']);

  const { dialogId } = await server.sandbox.clientMessage(token, '3101', { text: 'hi' });
  const dialog = await api(server.apiUrl, token, 'GET', `/v1/dialogs/${dialogId}`);
  const requestId = (dialog.body.data as { last_request_id: number }).last_request_id;
  const onRequest = await api(server.apiUrl, token, 'POST', '/v1/tags/assign_to', {
    tag_ids: [301],
    assignee_type: 'request',
    assignee_id: requestId,
  });
  expect(onRequest.status).toBe(200);
  const onClient = await api(server.apiUrl, token, 'POST', '/v1/tags/assign_to', {
    tag_ids: ['303'],
    assignee_type: 'client',
    assignee_id: 3101,
  });
  expect(onClient.status).toBe(200);
  expect((await card(server, token, '3101')).tags).toEqual(['vip', 'lead']);
});

test('assign_to refuses names, unknown ids, unknown assignees and bad types, changing nothing', async () => {
  const token = makeTestToken('sbx-tags-bad');
  await server.sandbox.clientMessage(token, '3102', { text: 'hi' });
  const tries = [
    [{ tag_ids: ['vip'], assignee_type: 'client', assignee_id: 3102 }, 400],
    [{ tag_ids: [999], assignee_type: 'client', assignee_id: 3102 }, 400],
    [{ tag_ids: [301], assignee_type: 'dialog', assignee_id: 3102 }, 400],
    [{ tag_ids: [301], assignee_type: 'client', assignee_id: 4999 }, 404],
    [{ tag_ids: [301], assignee_type: 'request', assignee_id: 1 }, 404],
    [{ tag_ids: [], assignee_type: 'client', assignee_id: 3102 }, 400],
  ] as const;
  for (const [body, status] of tries) {
    const res = await api(server.apiUrl, token, 'POST', '/v1/tags/assign_to', body);
    expect([body, res.status, res.body.status]).toEqual([body, status, 'error']);
  }
  expect((await card(server, token, '3102')).tags).toEqual([]);
});

test('PUT /v1/clients/{id} changes the name, comment and custom fields; bad fields change nothing', async () => {
  const token = makeTestToken('sbx-card');
  await server.sandbox.clientMessage(token, '3103', { text: 'hi' });
  const bad = await api(server.apiUrl, token, 'PUT', '/v1/clients/3103', { custom_fields: { color: 'red' } });
  expect(bad.status).toBe(400);
  const ok = await api(server.apiUrl, token, 'PUT', '/v1/clients/3103', {
    name: 'Maria',
    comment: 'Prefers mornings',
    custom_fields: { '7': 'gold' },
  });
  expect(ok.status).toBe(200);
  expect(ok.body.data).toMatchObject({ id: 3103, name: 'Maria' });
  expect(await card(server, token, '3103')).toMatchObject({
    name: 'Maria',
    comment: 'Prefers mornings',
    customFields: { '7': 'gold' },
  });
  expect((await api(server.apiUrl, token, 'PUT', '/v1/clients/4999', { name: 'X' })).status).toBe(404);
});

test('a comment is kept as internal, credited to the dialog operator, never echoed to webhooks', async () => {
  const token = makeTestToken('sbx-comment');
  await server.sandbox.clientMessage(token, '3104', { text: 'hi', operatorId: 1002 });
  const deliveriesBefore = server.sandbox.deliveries.length;
  const sent = await api(server.apiUrl, token, 'POST', '/v1/messages', {
    client_id: 3104,
    type: 'comment',
    text: 'VIP, be nice',
    open_dialog: false,
  });
  expect(sent.status).toBe(200);
  const note = server.sandbox.transcript(token, '3104').find((m) => m.type === 'comment');
  expect(note).toMatchObject({ direction: 'internal', text: 'VIP, be nice', operatorId: '1002' });
  await server.sandbox.idle();
  expect(server.sandbox.deliveries.length).toBe(deliveriesBefore);
});

test.each([
  ['error (default)', () => server, 400],
  ['success', () => lenient, 200],
])('closing a closed request: switch %s', async (_name, which, status) => {
  const s = which();
  const token = makeTestToken('sbx-close');
  await s.sandbox.clientMessage(token, '3105', { text: 'hi' });
  expect((await api(s.apiUrl, token, 'PUT', '/v1/requests/close', { client_id: 3105 })).status).toBe(200);
  const again = await api(s.apiUrl, token, 'PUT', '/v1/requests/close', { client_id: 3105 });
  expect(again.status).toBe(status);
});
