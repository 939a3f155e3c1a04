import { buildHealerDeps } from '../../../functions/webhook-healer/composition';
import { createHealerHandler } from '../../../functions/webhook-healer/handler';
import { startSandboxServer } from '../../../infra/local/sandbox';
import { createChat2DeskAccountClient } from '../../../shared/adapters/chat2desk/account-client';
import { getChat2DeskEdge } from '../../../shared/adapters/chat2desk/edge';
import { loadConfig } from '../../../shared/config';
import type { Channel } from '../../../shared/domain/channel';
import { webhookUrl } from '../../../shared/webhook-url';
import { createTestTable, type TestTable, testDocumentClient } from '../../support/aws';
import { storeTestChannel, testChannel } from '../../support/channels';
import { makeTestToken } from '../../support/tokens';

const PUBLIC_BASE_URL = 'https://hooks.example.com';
const WEBHOOK_KEY = 'healer-test-webhook-key-0123456789abcdef';
const doc = testDocumentClient();

type Server = Awaited<ReturnType<typeof startSandboxServer>>;
let sandbox: Server;
let brokenAccount: Server;
let table: TestTable;

beforeAll(async () => {
  [sandbox, brokenAccount, table] = await Promise.all([
    startSandboxServer({ port: 0 }),
    startSandboxServer({ port: 0 }),
    createTestTable(),
  ]);
  // Every call to this account is refused as with a revoked token.
  brokenAccount.sandbox.faults.inject({
    path: /.*/,
    status: 401,
    body: { status: 'error', message: 'Token is not correct' },
  });
});
afterAll(async () => {
  await Promise.all([sandbox?.stop(), brokenAccount?.stop(), table?.drop()]);
});

let seq = 0;
async function storeChannel(overrides: Partial<Channel> = {}): Promise<Channel> {
  seq += 1;
  const channel = testChannel({
    id: `heal-${seq}-${Date.now()}`,
    agentId: `agent-${seq}`,
    name: `Channel ${seq}`,
    apiUrl: sandbox.apiUrl,
    token: makeTestToken(`heal${seq}`),
    generation: 2,
    ...overrides,
  });
  await storeTestChannel(doc, table.name, channel, 'hash');
  return channel;
}

const urlOf = (c: Channel) => webhookUrl(PUBLIC_BASE_URL, WEBHOOK_KEY, c.id, c.generation);
const account = (c: Channel) =>
  createChat2DeskAccountClient({
    baseUrl: c.apiUrl,
    token: c.token,
    timeoutMs: 5000,
    fetchImpl: getChat2DeskEdge(true).fetch,
  });

test('re-enables a disabled webhook, re-registers a deleted one, leaves healthy and inactive ones alone', async () => {
  const healthy = await storeChannel();
  const disabled = await storeChannel();
  const deleted = await storeChannel();
  const inactive = await storeChannel({ status: 'inactive' });
  const revoked = await storeChannel({ apiUrl: brokenAccount.apiUrl });

  for (const c of [healthy, disabled, deleted]) {
    await account(c).registerWebhook({ url: urlOf(c), name: `agent-platform:${c.id}` });
  }
  const [disabledHook] = await account(disabled).listWebhooks();
  await account(disabled).updateWebhook(disabledHook!.id, {
    url: urlOf(disabled),
    name: `agent-platform:${disabled.id}`,
    enabled: false,
  });
  const [deletedHook] = await account(deleted).listWebhooks();
  await account(deleted).deleteWebhook(deletedHook!.id);
  expect(sandbox.sandbox.webhooks(disabled.token)[0]!.status).toBe('disable');
  expect(sandbox.sandbox.webhooks(deleted.token)).toEqual([]);

  const config = loadConfig({
    TABLE_NAME: table.name,
    PUBLIC_BASE_URL,
    WEBHOOK_SECRET_KEY: WEBHOOK_KEY,
    LOCAL_MODE: 'true',
  });
  const run = createHealerHandler(await buildHealerDeps(config));
  const counts = await run();

  expect(counts).toEqual({ healthy: 1, reEnabled: 1, reRegistered: 1, skipped: 0, failed: 1 });
  for (const c of [healthy, disabled, deleted]) {
    expect(sandbox.sandbox.webhooks(c.token).map((w) => [w.url, w.status, w.name])).toEqual([
      [urlOf(c), 'enable', `agent-platform:${c.id}`],
    ]);
  }
  // The same webhook was switched back on (not a second one created next to it).
  expect(sandbox.sandbox.webhooks(disabled.token)[0]!.id).toBe(disabledHook!.id);
  expect(sandbox.sandbox.webhooks(inactive.token)).toEqual([]);
  expect(sandbox.sandbox.requests.filter((r) => r.account === undefined)).toEqual([]);

  // A second run finds everything healthy (except the account that refuses us).
  expect(await run()).toEqual({ healthy: 3, reEnabled: 0, reRegistered: 0, skipped: 0, failed: 1 });
  expect(revoked.status).toBe('active');
});
