/**
 * `GET/POST /v1/clients` and the `write_first_option` switch of the sandbox, through the one
 * Chat2Desk account client the connector uses (notify, doctor).
 */
import { startSandboxServer } from '../../../infra/local/sandbox';
import { createChat2DeskAccountClient } from '../../../shared/adapters/chat2desk/account-client';
import { makeTestToken } from '../../support/tokens';

let server: Awaited<ReturnType<typeof startSandboxServer>>;
beforeAll(async () => {
  server = await startSandboxServer({ port: 0 });
});
afterAll(async () => {
  await server.stop();
});

const account = (token: string) =>
  createChat2DeskAccountClient({ baseUrl: server.apiUrl, token, timeoutMs: 3000, fetchImpl: fetch });

it('creates a client by phone, finds it by the same digits written another way, and refuses a second create', async () => {
  const token = makeTestToken('clients');
  const c2d = account(token);
  expect(await c2d.findClientsByPhone('79120000001')).toEqual([]);
  const created = await c2d.createClient({ phone: '79120000001', transport: 'whatsapp' });
  expect(created).toEqual({ id: '900000001', phone: '79120000001' });
  expect(await c2d.findClientsByPhone('+7 (912) 000-00-01')).toEqual([created]);
  // Chat2Desk answers "Client already exist": the client is found again, not created twice.
  expect(await c2d.createClient({ phone: '+79120000001', transport: 'telegram' })).toEqual(created);
  const posts = server.sandbox.requests.filter((r) => r.method === 'POST' && r.path === '/v1/clients');
  expect(posts.map((r) => r.status)).toEqual([200, 400]);
});

it('validates like the API: bad phone, transport or channel id are 400 with field errors', async () => {
  const c2d = account(makeTestToken('clients-bad'));
  await expect(c2d.createClient({ phone: 'call me', transport: 'whatsapp' })).rejects.toMatchObject({
    failure: 'rejected',
    message: expect.stringContaining('phone: The phone format is invalid.'),
  });
  await expect(c2d.createClient({ phone: '79120000002', transport: 'pigeon' })).rejects.toMatchObject({
    message: expect.stringContaining('transport: The selected transport is invalid.'),
  });
  await expect(
    c2d.createClient({ phone: '79120000002', transport: 'viber', c2dChannelId: '9' }),
  ).rejects.toMatchObject({ message: expect.stringContaining('channel_id') });
});

it('reports write_first_option per account, and a client created by API carries its phone into the inbox', async () => {
  const token = makeTestToken('clients-wf');
  expect(await account(token).apiInfo()).toMatchObject({ writeFirst: true, mode: 'paid' });
  server.sandbox.setWriteFirstOption(token, false);
  expect(await account(token).apiInfo()).toMatchObject({ writeFirst: false });
  expect(await account(makeTestToken('clients-other')).apiInfo()).toMatchObject({ writeFirst: true });

  const created = await account(token).createClient({ phone: '79120000003', transport: 'whatsapp' });
  await server.sandbox.clientMessage(token, created.id, { text: 'hello', transport: 'whatsapp' });
  expect(server.sandbox.transcript(token, created.id).map((m) => m.text)).toEqual(['hello']);
  const state = (await (
    await fetch(`${server.url}/state`, { headers: { authorization: token } })
  ).json()) as { clients: { id: string; dialogState: string }[] };
  expect(state.clients).toEqual([expect.objectContaining({ id: created.id, dialogState: 'open' })]);
});
