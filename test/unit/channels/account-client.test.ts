import { createChat2DeskAccountClient } from '../../../shared/adapters/chat2desk/account-client';
import { makeTestToken } from '../../support/tokens';

interface Hook {
  id: number;
  name: string;
  url: string;
  events: string[];
  status: string;
}

/** An in-process stand-in for fetch, with just enough of the webhook endpoints to test the client's logic. */
function fakeChat2Desk(
  initial: Hook[] = [],
  options: { createError?: { status: number; body: unknown } } = {},
) {
  const hooks = [...initial];
  const calls: string[] = [];
  let nextId = 100;
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const fetchImpl = (async (input: URL | string, init?: RequestInit) => {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    calls.push(`${method} ${url.pathname}`);
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    const idMatch = /\/v1\/webhooks\/(\d+)$/.exec(url.pathname);
    if (method === 'GET' && url.pathname === '/v1/webhooks')
      return json(200, { status: 'success', data: hooks });
    if (method === 'GET' && url.pathname === '/v1/companies/api_info')
      return json(200, { status: 'success', data: { companyID: 7, company_name: 'Acme' } });
    if (method === 'POST' && url.pathname === '/v1/webhooks') {
      if (options.createError) return json(options.createError.status, options.createError.body);
      const hook = { id: nextId++, ...body };
      hooks.push(hook);
      return json(200, { status: 'success', data: hook });
    }
    if (idMatch) {
      const index = hooks.findIndex((h) => h.id === Number(idMatch[1]));
      if (index < 0) return json(404, { status: 'error', message: 'not_found' });
      if (method === 'PUT') {
        hooks[index] = { ...hooks[index]!, ...body };
        return json(200, { status: 'success', data: hooks[index] });
      }
      if (method === 'DELETE') {
        hooks.splice(index, 1);
        return json(200, { status: 'success', message: 'deleted' });
      }
    }
    return json(404, { status: 'error', message: 'Page not found' });
  }) as typeof fetch;
  return { hooks, calls, fetchImpl };
}

const EVENTS = [
  'inbox',
  'outbox',
  'close_dialog',
  'close_request',
  'dialog_transferred',
  'new_request',
  'outbox_status',
  'operator_status_changed',
];
const client = (fake: ReturnType<typeof fakeChat2Desk>) =>
  createChat2DeskAccountClient({
    baseUrl: 'https://c2d.example.test',
    token: makeTestToken(),
    timeoutMs: 1000,
    fetchImpl: fake.fetchImpl,
  });

describe('registerWebhook', () => {
  it('creates ours when absent, with the connector events', async () => {
    const fake = fakeChat2Desk();
    const result = await client(fake).registerWebhook({ url: 'https://x.test/a', name: 'ours' });
    expect(result.outcome).toBe('created');
    expect(result.webhook).toMatchObject({ id: '100', url: 'https://x.test/a', status: 'enabled' });
    expect(fake.hooks[0]!.events).toEqual(EVENTS);
  });

  it('changes nothing when ours is there already (idempotent)', async () => {
    const fake = fakeChat2Desk([
      { id: 5, name: 'ours', url: 'https://x.test/a', events: EVENTS, status: 'enable' },
    ]);
    const result = await client(fake).registerWebhook({ url: 'https://x.test/a', name: 'ours' });
    expect(result).toMatchObject({ outcome: 'unchanged', webhook: { id: '5' } });
    expect(fake.calls).toEqual(['GET /v1/webhooks']);
  });

  it('updates ours found by name when its URL changed, and re-enables it', async () => {
    const fake = fakeChat2Desk([
      { id: 5, name: 'ours', url: 'https://x.test/old', events: ['inbox'], status: 'disable' },
    ]);
    const result = await client(fake).registerWebhook({ url: 'https://x.test/new', name: 'ours' });
    expect(result).toMatchObject({ outcome: 'updated', webhook: { id: '5', url: 'https://x.test/new' } });
    expect(fake.hooks[0]).toMatchObject({ url: 'https://x.test/new', status: 'enable', events: EVENTS });
  });

  it('fails with "full" when the account has 5 other webhooks', async () => {
    const others = Array.from({ length: 5 }, (_, i) => ({
      id: i + 1,
      name: `other${i}`,
      url: `https://o.test/${i}`,
      events: ['inbox'],
      status: 'enable',
    }));
    const fake = fakeChat2Desk(others);
    await expect(
      client(fake).registerWebhook({ url: 'https://x.test/a', name: 'ours' }),
    ).rejects.toMatchObject({
      failure: 'full',
    });
    expect(fake.calls).not.toContain('POST /v1/webhooks');
  });

  it('classifies a create refused for the limit as "full"', async () => {
    const fake = fakeChat2Desk([], {
      createError: { status: 400, body: { status: 'error', message: 'Webhooks limit exceeded', errors: {} } },
    });
    await expect(client(fake).createWebhook({ url: 'https://x.test/a', name: 'ours' })).rejects.toMatchObject(
      {
        failure: 'full',
      },
    );
  });

  it('a bad token is "badToken", without the token in the message', async () => {
    const token = makeTestToken('bt');
    const fetchImpl = (async () =>
      new Response(JSON.stringify({ status: 'error', message: 'Token is not correct' }), {
        status: 401,
      })) as typeof fetch;
    const c = createChat2DeskAccountClient({
      baseUrl: 'https://c2d.example.test',
      token,
      timeoutMs: 1000,
      fetchImpl,
    });
    const err = await c.apiInfo().catch((e: unknown) => e);
    expect(err).toMatchObject({ failure: 'badToken' });
    expect(String((err as Error).message)).not.toContain(token);
  });
});

describe('unregisterWebhook', () => {
  it('removes ours by id, URL and name, keeps the one named in keepId, tolerates "already gone"', async () => {
    const fake = fakeChat2Desk([
      { id: 1, name: 'ours', url: 'https://x.test/a', events: EVENTS, status: 'enable' },
      { id: 2, name: 'ours', url: 'https://x.test/new', events: EVENTS, status: 'enable' },
      { id: 3, name: 'theirs', url: 'https://t.test', events: EVENTS, status: 'enable' },
    ]);
    const removed = await client(fake).unregisterWebhook({
      id: '99',
      url: 'https://x.test/a',
      name: 'ours',
      keepId: '2',
    });
    expect(removed).toBe(1);
    expect(fake.hooks.map((h) => h.id)).toEqual([2, 3]);
  });
});

describe('apiInfo and listWebhooks', () => {
  it('normalise the account and webhook shapes', async () => {
    const fake = fakeChat2Desk([
      { id: 9, name: 'n', url: 'https://u.test', events: ['inbox'], status: 'disable' },
    ]);
    expect(await client(fake).apiInfo()).toEqual({ companyId: '7', companyName: 'Acme' });
    expect(await client(fake).listWebhooks()).toEqual([
      { id: '9', name: 'n', url: 'https://u.test', events: ['inbox'], status: 'disabled', errors: [] },
    ]);
  });
});
