/**
 * The webhook healer finishes its run (DESIGN §3 invariant 12): 50 accounts that never answer
 * (each request would wait the full Chat2Desk timeout, 10 s) cannot stop the 10 healthy channels
 * among them from getting their disabled webhooks re-enabled in the same run; the run ends before
 * the invocation's time is up; the channels that failed are remembered on their items, so the next
 * run tries them after the others. Scaled down in time only: the invocation has 15 s left (AWS: up
 * to 300 s), the numbers of channels are the issue's.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { buildHealerDeps } from '../../functions/webhook-healer/composition';
import { createHealerHandler } from '../../functions/webhook-healer/handler';
import { startSandboxServer } from '../../infra/local/sandbox';
import { createChat2DeskAccountClient } from '../../shared/adapters/chat2desk/account-client';
import { getChat2DeskEdge } from '../../shared/adapters/chat2desk/edge';
import { keys } from '../../shared/adapters/dynamodb/table-definition';
import { loadConfig } from '../../shared/config';
import type { Channel } from '../../shared/domain/channel';
import { webhookName, webhookUrl } from '../../shared/webhook-url';
import { createTestTable, type TestTable, testDocumentClient } from '../support/aws';
import { storeTestChannel, testChannel } from '../support/channels';
import { type HostileChat2Desk, startHostileChat2Desk } from '../support/hostile-chat2desk';
import { makeTestToken } from '../support/tokens';
import { figure } from './support/world';

const SLOW = 50;
const HEALTHY = 10;
const REMAINING_MS = 15_000;
const PUBLIC_BASE_URL = 'https://hooks.example.com';
const WEBHOOK_KEY = 'healer-drill-webhook-key-0123456789abcdef';
const doc = testDocumentClient();

let sandbox: Awaited<ReturnType<typeof startSandboxServer>>;
let slowAccounts: HostileChat2Desk;
let table: TestTable;

beforeAll(async () => {
  [sandbox, slowAccounts, table] = await Promise.all([
    startSandboxServer({ port: 0 }),
    startHostileChat2Desk('hang'),
    createTestTable(),
  ]);
});
afterAll(async () => {
  await Promise.all([sandbox?.stop(), slowAccounts?.stop(), table?.drop()]);
});

const urlOf = (c: Channel) => webhookUrl(PUBLIC_BASE_URL, WEBHOOK_KEY, c.id, c.generation);
const account = (c: Channel) =>
  createChat2DeskAccountClient({
    baseUrl: c.apiUrl,
    token: c.token,
    timeoutMs: 10_000,
    fetchImpl: getChat2DeskEdge(true).fetch,
  });

test(
  `${SLOW} accounts that never answer do not stop ${HEALTHY} healthy channels in the same run`,
  async () => {
    const store = async (apiUrl: string, i: number) => {
      const channel = testChannel({ apiUrl, token: makeTestToken(`heal-drill-${i}`), generation: 3 });
      await storeTestChannel(doc, table.name, channel, `hash-${channel.id}`);
      return channel;
    };
    const slow = await Promise.all(Array.from({ length: SLOW }, (_, i) => store(slowAccounts.apiUrl, i)));
    const healthy = await Promise.all(
      Array.from({ length: HEALTHY }, (_, i) => store(sandbox.apiUrl, SLOW + i)),
    );
    // Chat2Desk disabled each healthy channel's webhook (5 h of failed deliveries).
    await Promise.all(
      healthy.map(async (c) => {
        const { webhook } = await account(c).registerWebhook({ url: urlOf(c), name: webhookName(c.id) });
        await account(c).updateWebhook(webhook.id, {
          url: urlOf(c),
          name: webhookName(c.id),
          enabled: false,
        });
      }),
    );

    const config = loadConfig({
      TABLE_NAME: table.name,
      PUBLIC_BASE_URL,
      WEBHOOK_SECRET_KEY: WEBHOOK_KEY,
      LOCAL_MODE: 'true',
      CHAT2DESK_TIMEOUT_MS: '10000',
    });
    const run = createHealerHandler(await buildHealerDeps(config));
    const started = Date.now();
    const deadline = started + REMAINING_MS;
    const context = { getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) };
    // Past the invocation's end (with slack for a loaded machine) the run has not finished.
    const outcome = await Promise.race([
      run(undefined, context).then((counts) => ({ counts })),
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), REMAINING_MS + 5_000).unref()),
    ]);
    const elapsed = Date.now() - started;

    const reEnabled = healthy.filter((c) =>
      sandbox.sandbox.webhooks(c.token).some((w) => w.url === urlOf(c) && w.status === 'enable'),
    ).length;
    const marked = await Promise.all(
      [...slow, ...healthy].map(
        async (c) =>
          (await doc.send(new GetCommand({ TableName: table.name, Key: { pk: keys.channel(c.id) } }))).Item
            ?.healFailedAt !== undefined,
      ),
    );
    figure(
      `healer drill: ${SLOW} hanging + ${HEALTHY} healthy accounts, ${REMAINING_MS} ms left → run ended after ${elapsed} ms, re-enabled ${reEnabled}/${HEALTHY}, counts ${JSON.stringify(outcome?.counts)}, failures remembered ${marked.slice(0, SLOW).filter(Boolean).length}/${SLOW}`,
    );
    expect(outcome).toBeDefined();
    expect(reEnabled).toBe(HEALTHY);
    expect(outcome!.counts.reEnabled).toBe(HEALTHY);
    expect(outcome!.counts.failed + outcome!.counts.skipped).toBe(SLOW);
    // Only failures are written: the healthy channels' items carry no mark.
    expect(marked.slice(SLOW).some(Boolean)).toBe(false);
    expect(marked.slice(0, SLOW).filter(Boolean).length).toBe(outcome!.counts.failed);
  },
  REMAINING_MS + 20_000,
);
