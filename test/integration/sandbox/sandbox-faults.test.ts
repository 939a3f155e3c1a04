/** Fault injection on the sandbox API: status, headers, body, delay, hangup, afterHandling, times. */
import { startSandboxServer } from '../../../infra/local/sandbox';
import { makeTestToken } from '../../support/tokens';
import { api } from './receiver';

type Server = Awaited<ReturnType<typeof startSandboxServer>>;
let server: Server;
let token: string;

beforeEach(async () => {
  server = await startSandboxServer();
  token = makeTestToken();
  await server.sandbox.clientMessage(token, '10', { text: 'hi' });
});
afterEach(async () => {
  server.sandbox.faults.clear();
  await server.stop();
});

const send = (text: string) => api(server.apiUrl, token, 'POST', '/v1/messages', { client_id: 10, text });
const outTexts = () =>
  server.sandbox
    .transcript(token, '10')
    .filter((m) => m.direction === 'out')
    .map((m) => m.text);

it('answers an injected status with the error envelope and headers, for `times` requests only', async () => {
  server.sandbox.faults.inject({
    method: 'POST',
    path: /^\/v1\/messages$/,
    status: 429,
    headers: { 'Retry-After': '2' },
    times: 1,
  });
  const throttled = await send('one');
  expect(throttled.status).toBe(429);
  expect(throttled.headers.get('retry-after')).toBe('2');
  expect(throttled.body).toEqual({ status: 'error', message: 'Number of API requests exceeded' });
  const ok = await send('two');
  expect(ok.status).toBe(200);
  expect(outTexts()).toEqual(['two']);
  expect(server.sandbox.requests.filter((r) => r.path === '/v1/messages').map((r) => r.status)).toEqual([
    429, 200,
  ]);
});

it('overrides the body and ignores other methods and paths', async () => {
  server.sandbox.faults.inject({
    method: 'POST',
    path: '/v1/messages',
    status: 200,
    body: { status: 'error', message: 'API calls exceeded API limit per month' },
  });
  const info = await api(server.apiUrl, token, 'GET', '/v1/companies/api_info');
  expect(info.status).toBe(200);
  expect(info.body.status).toBe('success');
  const res = await send('x');
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ status: 'error', message: 'API calls exceeded API limit per month' });
  expect(outTexts()).toEqual([]);
});

it('delays the answer: a client with a shorter timeout gives up', async () => {
  server.sandbox.faults.inject({ path: '/v1/companies/api_info', delayMs: 400, times: 1 });
  await expect(
    fetch(`${server.apiUrl}/v1/companies/api_info`, {
      headers: { Authorization: token },
      signal: AbortSignal.timeout(100),
    }),
  ).rejects.toThrow();
  // Without the fault the same call answers.
  expect((await api(server.apiUrl, token, 'GET', '/v1/companies/api_info')).status).toBe(200);
});

it('hangs up without answering and without effect', async () => {
  server.sandbox.faults.inject({ path: '/v1/messages', hangup: true, times: 1 });
  await expect(send('lost')).rejects.toThrow();
  expect(outTexts()).toEqual([]);
  expect((await send('kept')).status).toBe(200);
  expect(outTexts()).toEqual(['kept']);
});

it('afterHandling: the message is stored but the client sees an error (ambiguous failure)', async () => {
  server.sandbox.faults.inject({ path: '/v1/messages', status: 502, afterHandling: true, times: 1 });
  const res = await send('stored anyway');
  expect(res.status).toBe(502);
  expect(res.body.status).toBe('error');
  expect(outTexts()).toEqual(['stored anyway']);
});

it('afterHandling with hangup: the message is stored, the connection is cut', async () => {
  server.sandbox.faults.inject({ path: '/v1/messages', hangup: true, afterHandling: true, times: 1 });
  await expect(send('cut')).rejects.toThrow();
  expect(outTexts()).toEqual(['cut']);
});

it('clear() removes every rule', async () => {
  server.sandbox.faults.inject({ path: /.*/, status: 500 });
  expect((await send('a')).status).toBe(500);
  server.sandbox.faults.clear();
  expect((await send('b')).status).toBe(200);
});

it('limits one account’s API rate on its own (setRateLimit), the other accounts untouched', async () => {
  const other = makeTestToken('other');
  await server.sandbox.clientMessage(other, '20', { text: 'hi' });
  server.sandbox.setRateLimit(token, 2);
  const limited = await Promise.all(['a', 'b', 'c'].map((t) => send(t)));
  expect(limited.map((r) => r.status).sort()).toEqual([200, 200, 429]);
  const throttled = limited.find((r) => r.status === 429)!;
  expect(throttled.headers.get('retry-after')).toBe('1');
  expect(throttled.body).toEqual({ status: 'error', message: 'Number of API requests exceeded' });
  const free = await Promise.all(
    ['a', 'b', 'c', 'd', 'e'].map((text) =>
      api(server.apiUrl, other, 'POST', '/v1/messages', { client_id: 20, text }),
    ),
  );
  expect(free.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
  // null lifts the account's limit again.
  server.sandbox.setRateLimit(token, null);
  const lifted = await Promise.all(['d', 'e', 'f'].map((t) => send(t)));
  expect(lifted.map((r) => r.status)).toEqual([200, 200, 200]);
});
