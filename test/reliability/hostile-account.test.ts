/**
 * A tenant's Chat2Desk address is untrusted (DESIGN §3 invariant 12): every response is bounded in
 * bytes after decompression and in time. An address that answers `GET /v1/webhooks` with ~1 MB of
 * gzip expanding to 1 GiB, or drips a body forever, fails the call as a clear `invalidResponse` /
 * timeout: the process's memory stays small, activation reports the reason, the doctor names it
 * and the healer goes on to the next channels.
 */
import { buildHealerDeps } from '../../functions/webhook-healer/composition';
import { createHealerHandler } from '../../functions/webhook-healer/handler';
import { doctorCli } from '../../scripts/doctor';
import { createChat2DeskAccountClient } from '../../shared/adapters/chat2desk/account-client';
import { getChat2DeskEdge } from '../../shared/adapters/chat2desk/edge';
import { CHAT2DESK_MAX_RESPONSE_BYTES } from '../../shared/adapters/chat2desk/http';
import { loadConfig } from '../../shared/config';
import type { Channel } from '../../shared/domain/channel';
import { webhookName, webhookUrl } from '../../shared/webhook-url';
import { checksOf, type Harness, PUBLIC_BASE_URL, startHarness } from '../integration/channels/harness';
import { testDocumentClient } from '../support/aws';
import { storeTestChannel, testChannel } from '../support/channels';
import { type HostileChat2Desk, startHostileChat2Desk } from '../support/hostile-chat2desk';
import { makeTestToken } from '../support/tokens';
import { figure } from './support/world';

const WEBHOOK_KEY = 'test-webhook-secret-key-0123456789';
const LIMIT_TEXT = new RegExp(`the response is larger than ${CHAT2DESK_MAX_RESPONSE_BYTES} bytes`);

let h: Harness;
let bomb: HostileChat2Desk;
let drip: HostileChat2Desk;

beforeAll(async () => {
  [h, bomb, drip] = await Promise.all([
    startHarness(),
    startHostileChat2Desk('bomb'),
    startHostileChat2Desk('drip'),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([h?.stop(), bomb?.stop(), drip?.stop()]);
});

const account = (apiUrl: string, timeoutMs = 10_000) =>
  createChat2DeskAccountClient({
    baseUrl: apiUrl,
    token: makeTestToken('hostile'),
    timeoutMs,
    fetchImpl: getChat2DeskEdge(true).fetch,
  });

/** The highest resident set size seen while `work` runs, above the size before it. */
async function peakGrowth<T>(
  work: () => Promise<T>,
): Promise<{ result: PromiseSettledResult<T>; growth: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  const [result] = await Promise.allSettled([work()]);
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { result, growth: peak - before };
}

test('a gzip bomb (1 MB → 1 GiB) is refused as invalidResponse past the limit; memory stays small', async () => {
  const sentBefore = bomb.bombBytesSent;
  const { result, growth } = await peakGrowth(() => account(bomb.apiUrl).listWebhooks());
  expect(result.status).toBe('rejected');
  expect((result as PromiseRejectedResult).reason).toMatchObject({
    failure: 'invalidResponse',
    message: expect.stringMatching(LIMIT_TEXT),
  });
  // Well under the 1 GiB the body expands to: the reader stopped at the limit and cancelled.
  expect(growth).toBeLessThan(200 * 1024 * 1024);
  const sent = bomb.bombBytesSent - sentBefore;
  figure(
    `hostile account: gzip bomb expanding to 1 GiB refused after ${CHAT2DESK_MAX_RESPONSE_BYTES} decompressed bytes; compressed bytes the server wrote=${sent}; peak RSS growth=${Math.round(growth / 1024 / 1024)} MiB`,
  );
});

test('a body dripped forever is cut at the request time limit', async () => {
  const started = Date.now();
  await expect(account(drip.apiUrl, 1000).listWebhooks()).rejects.toMatchObject({
    failure: 'unreachable',
    message: expect.stringMatching(/timed out after 1000 ms/),
  });
  figure(`hostile account: dripping body cut after ${Date.now() - started} ms (limit 1000 ms)`);
});

test('activation against the bomb: webhookRegistered fails with the reason; nothing is left active', async () => {
  const result = await h.run({
    action: 'create',
    agentId: 'agent-hostile',
    channel: { name: 'bomb', apiUrl: bomb.apiUrl, token: makeTestToken('bomb') },
    activate: true,
  });
  const checks = checksOf(result);
  expect(checks.addressReachable.ok).toBe(true);
  expect(checks.webhookRegistered.ok).toBe(false);
  expect(checks.webhookRegistered.reason).toMatch(LIMIT_TEXT);
  expect(result.ok && 'channel' in result && result.channel.status).toBe('inactive');
});

test('the doctor reports the bound instead of reading the bomb', async () => {
  const out = await doctorCli(['--api-url', bomb.apiUrl, '--token', makeTestToken('doctor')]);
  expect(out.exitCode).toBe(1);
  expect(out.stdout).toMatch(LIMIT_TEXT);
});

test('the healer goes past a bomb and a drip to the next channels', async () => {
  const healthyAccount = h.sandbox.apiUrl;
  const store = async (apiUrl: string, label: string): Promise<Channel> => {
    const channel = testChannel({ apiUrl, token: makeTestToken(label), agentId: 'agent-heal-hostile' });
    await storeTestChannel(testDocumentClient(), h.table.name, channel, `hash-${channel.id}`);
    return channel;
  };
  const hostile = [await store(bomb.apiUrl, 'hb'), await store(drip.apiUrl, 'hd')];
  const healthy = [await store(healthyAccount, 'h1'), await store(healthyAccount, 'h2')];
  const config = loadConfig({
    TABLE_NAME: h.table.name,
    PUBLIC_BASE_URL,
    WEBHOOK_SECRET_KEY: WEBHOOK_KEY,
    LOCAL_MODE: 'true',
    CHAT2DESK_TIMEOUT_MS: '1500',
  });
  const counts = await createHealerHandler(await buildHealerDeps(config))();
  for (const c of healthy) {
    expect(h.sandbox.sandbox.webhooks(c.token).map((w) => [w.url, w.name, w.status])).toEqual([
      [webhookUrl(PUBLIC_BASE_URL, WEBHOOK_KEY, c.id, c.generation), webhookName(c.id), 'enable'],
    ]);
  }
  expect(counts.failed).toBeGreaterThanOrEqual(hostile.length);
  expect(counts.reRegistered).toBeGreaterThanOrEqual(healthy.length);
});
