/**
 * One outbound HTTP edge to Chat2Desk, guarded at connect time (DESIGN §3 invariant 8): a name
 * that resolves public when checked and private when called (DNS rebinding) is refused, literal
 * private addresses are refused, and the channels, reply and webhook-healer functions all call
 * Chat2Desk through it. A local HTTP server on 127.0.0.1 plays the internal target.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeChannelDeps } from '../../../functions/channels/composition';
import { buildReplyDeps } from '../../../functions/reply/composition';
import { buildHealerDeps } from '../../../functions/webhook-healer/composition';
import { createChat2DeskAccountClient } from '../../../shared/adapters/chat2desk/account-client';
import { createChat2DeskEdge } from '../../../shared/adapters/chat2desk/edge';
import { createUrlGuard, type HostLookup } from '../../../shared/adapters/http/url-guard';
import { loadConfig } from '../../../shared/config';
import { createMemorySchedule, createRateLimiter } from '../../../shared/outbound/rate-limiter';
import { testChannel } from '../../support/channels';
import { makeTestToken } from '../../support/tokens';

let server: Server;
let port: number;
const hits: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ status: 'success', data: [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  hits.length = 0;
});

/** Public the first time a name is resolved, loopback from then on. */
function rebindingLookup(): HostLookup & { calls: number } {
  const lookup = Object.assign(
    async () => {
      lookup.calls += 1;
      return lookup.calls === 1
        ? [{ address: '93.184.216.34', family: 4 as const }]
        : [{ address: '127.0.0.1', family: 4 as const }];
    },
    { calls: 0 },
  );
  return lookup;
}

const account = (baseUrl: string, fetchImpl: typeof fetch) =>
  createChat2DeskAccountClient({ baseUrl, token: makeTestToken('edge'), timeoutMs: 3000, fetchImpl });

it('DNS rebinding: the name passes the save-time check, then resolves to loopback at connect time: refused', async () => {
  const lookup = rebindingLookup();
  const guard = createUrlGuard({ localMode: false, lookup });
  expect((await guard.check(`https://api.rebind.example:${port}`)).ok).toBe(true);
  const edge = createChat2DeskEdge({ localMode: false, lookup });
  try {
    await expect(
      account(`http://api.rebind.example:${port}`, edge.fetch).listWebhooks(),
    ).rejects.toMatchObject({
      failure: 'unreachable',
      message: expect.stringMatching(
        /refused to connect: api\.rebind\.example resolves to a loopback address/,
      ),
    });
    expect(lookup.calls).toBe(2);
    expect(hits).toEqual([]);
  } finally {
    await edge.close();
  }
});

it.each([
  ['a literal loopback address', `http://127.0.0.1:PORT`],
  ['a literal IPv6 loopback address', `http://[::1]:PORT`],
])('%s is refused without a connection', async (_name, url) => {
  const edge = createChat2DeskEdge({ localMode: false });
  try {
    await expect(account(url.replace('PORT', String(port)), edge.fetch).listWebhooks()).rejects.toMatchObject(
      {
        failure: 'unreachable',
        message: expect.stringMatching(/refused to connect/),
      },
    );
    expect(hits).toEqual([]);
  } finally {
    await edge.close();
  }
});

it('local mode connects to the sandbox on 127.0.0.1', async () => {
  const edge = createChat2DeskEdge({ localMode: true });
  try {
    expect(await account(`http://127.0.0.1:${port}`, edge.fetch).listWebhooks()).toEqual([]);
    expect(hits).toEqual(['GET /v1/webhooks?limit=200']);
  } finally {
    await edge.close();
  }
});

describe('every function that calls Chat2Desk goes through the guarded edge', () => {
  const config = () =>
    loadConfig({
      TABLE_NAME: 'edge-table',
      PUBLIC_BASE_URL: 'https://connector.example.test',
      AGENT_API_URL: 'https://agents.example.test',
      AGENT_API_KEY: 'agent-key-edge-0123',
      WEBHOOK_SECRET_KEY: 'webhook-key-edge-0123456789',
      TOKEN_HASH_KEY: 'token-hash-key-edge-0123456789',
      OUTBOUND_QUEUE_URL: 'http://127.0.0.1:1/queue/outbound.fifo',
      OUTBOUND_DLQ_URL: 'http://127.0.0.1:1/queue/outbound-dlq.fifo',
      LOCAL_MODE: 'false',
      CHAT2DESK_TIMEOUT_MS: '3000',
    });
  const internal = () => `http://127.0.0.1:${port}`;

  it('webhook healer', async () => {
    const deps = await buildHealerDeps(config());
    const channel = testChannel({ apiUrl: internal() });
    await expect(deps.accountFor(channel).listWebhooks()).rejects.toMatchObject({ failure: 'unreachable' });
    expect(hits).toEqual([]);
  });

  it('channel management (webhook registration)', async () => {
    const deps = await composeChannelDeps(config());
    const registering = deps.accounts
      .forAccount(internal(), makeTestToken('edge-channels'))
      .registerWebhook({ url: 'https://connector.example.test/x', name: 'n' });
    await expect(registering).rejects.toMatchObject({ failure: 'unreachable' });
    expect(hits).toEqual([]);
  });

  it('reply function', async () => {
    // The address check before the client is built is passed on purpose: the edge alone must refuse.
    const deps = buildReplyDeps({
      config: config(),
      urlGuard: { check: async (raw) => ({ ok: true, url: new URL(raw) }) },
      // No table here: the account's send schedule is kept in memory.
      limiter: createRateLimiter({ perSecond: 100, schedule: createMemorySchedule() }),
      retryPolicy: {
        maxAttempts: 1,
        maxThrottledAttempts: 1,
        baseDelayMs: 1,
        maxDelayMs: 1,
        maxRetryAfterMs: 1,
        maxTotalWaitMs: 100,
      },
    });
    const client = await deps.messagesClientFor(testChannel({ apiUrl: internal() }));
    await expect(
      client.sendMessage({ clientId: '1' }, { kind: 'message', text: 'hi' }, 'ext-1'),
    ).rejects.toMatchObject({
      failure: 'unreachable',
    });
    expect(hits).toEqual([]);
  });
});
