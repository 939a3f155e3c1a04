/**
 * Activation racing a deactivate or delete, and the healer racing a deactivate, leave no webhook of
 * ours behind in the account (DESIGN §3 invariants 5 and 10). Each interleaving is forced, not
 * hoped for: the Chat2Desk edge given to the command under test runs the concurrent command just
 * before the registering request goes out, so the concurrent command's unregister finds nothing yet.
 * The sandbox lists the account's webhooks at the end.
 */
import { buildHealerDeps } from '../../functions/webhook-healer/composition';
import { createHealerHandler } from '../../functions/webhook-healer/handler';
import { getChat2DeskEdge } from '../../shared/adapters/chat2desk/edge';
import { loadConfig } from '../../shared/config';
import { channelOf, type Harness, PUBLIC_BASE_URL, startHarness } from '../integration/channels/harness';
import { makeTestToken } from '../support/tokens';
import { figure } from './support/world';

const WEBHOOK_KEY = 'test-webhook-secret-key-0123456789';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

/** The edge, but `concurrently` runs (once) right before the first request that `matches`. */
function edgeRacing(
  matches: (method: string, path: string) => boolean,
  concurrently: () => Promise<unknown>,
) {
  let fired = false;
  const edge = getChat2DeskEdge(true).fetch;
  return (async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    const path = new URL(String(input instanceof Request ? input.url : input)).pathname;
    if (!fired && matches(init?.method ?? 'GET', path)) {
      fired = true;
      await concurrently();
    }
    return edge(input, init);
  }) as typeof fetch;
}
const creatingWebhook = (method: string, path: string) => method === 'POST' && path.endsWith('/v1/webhooks');

async function inactiveChannel(label: string) {
  const token = makeTestToken(label);
  const created = channelOf(
    await h.run({
      action: 'create',
      agentId: 'agent-races',
      channel: { name: label, apiUrl: h.sandbox.apiUrl, token },
    }),
  );
  return { channelId: created.channel.id, token };
}

test.each([
  ['deactivate', 'VERSION_CONFLICT'],
  ['delete', 'NOT_FOUND'],
])('activation racing a %s: the webhook it registered is removed again', async (other, code) => {
  const { channelId, token } = await inactiveChannel(`race-${other}`);
  const result = await h.runWith(
    {
      localMode: true,
      chat2deskFetch: edgeRacing(creatingWebhook, () => h.run({ action: other, channelId })),
    },
    { action: 'update', channelId, changes: {}, activate: true },
  );
  expect(result).toMatchObject({ ok: false, error: { code } });
  expect(h.sandbox.sandbox.webhooks(token)).toEqual([]);
  expect(await h.lockOwner(token)).toBeUndefined();
  const stored = await h.rawChannel(channelId);
  if (other === 'delete') expect(stored).toBeUndefined();
  else expect(stored).toMatchObject({ status: { S: 'inactive' } });
  figure(
    `webhook races: activation vs ${other} → ${code}, webhooks left ${h.sandbox.sandbox.webhooks(token).length}`,
  );
});

test('APPLY to another account racing a deactivate: no webhook left in either account', async () => {
  const { channelId, token } = await inactiveChannel('race-apply');
  channelOf(await h.run({ action: 'update', channelId, changes: {}, activate: true }));
  expect(h.sandbox.sandbox.webhooks(token)).toHaveLength(1);
  const newToken = makeTestToken('race-apply-new');
  const result = await h.runWith(
    {
      localMode: true,
      chat2deskFetch: edgeRacing(creatingWebhook, () => h.run({ action: 'deactivate', channelId })),
    },
    { action: 'update', channelId, changes: { token: newToken } },
  );
  expect(result).toMatchObject({ ok: false, error: { code: 'VERSION_CONFLICT' } });
  expect(h.sandbox.sandbox.webhooks(newToken)).toEqual([]);
  expect(h.sandbox.sandbox.webhooks(token)).toEqual([]);
  expect(await h.lockOwner(newToken)).toBeUndefined();
  expect(await h.lockOwner(token)).toBeUndefined();
});

test('an activation that no deactivate interrupts keeps its webhook (the compensation is not over-eager)', async () => {
  const { channelId, token } = await inactiveChannel('race-none');
  const result = await h.runWith(
    { localMode: true, chat2deskFetch: edgeRacing(creatingWebhook, async () => undefined) },
    { action: 'update', channelId, changes: {}, activate: true },
  );
  expect(channelOf(result).channel.status).toBe('active');
  expect(h.sandbox.sandbox.webhooks(token)).toHaveLength(1);
  channelOf(await h.run({ action: 'deactivate', channelId }));
  expect(h.sandbox.sandbox.webhooks(token)).toEqual([]);
});

test('the healer re-registering while the channel is deactivated: its registration is removed again', async () => {
  const { channelId, token } = await inactiveChannel('race-healer');
  channelOf(await h.run({ action: 'update', channelId, changes: {}, activate: true }));
  // Deleted by someone in the Chat2Desk UI: the healer will re-register it.
  const [hook] = h.sandbox.sandbox.webhooks(token);
  const account = h.sandbox.apiUrl;
  await fetch(`${account}/v1/webhooks/${hook!.id}`, { method: 'DELETE', headers: { Authorization: token } });
  expect(h.sandbox.sandbox.webhooks(token)).toEqual([]);

  const deps = await buildHealerDeps(
    loadConfig({
      TABLE_NAME: h.table.name,
      PUBLIC_BASE_URL,
      WEBHOOK_SECRET_KEY: WEBHOOK_KEY,
      LOCAL_MODE: 'true',
    }),
  );
  const run = createHealerHandler({
    ...deps,
    // The deactivation lands after the healer's freshness read, before its registration.
    accountFor: (channel, signal) => {
      const real = deps.accountFor(channel, signal);
      return {
        ...real,
        registerWebhook: async (spec) => {
          channelOf(await h.run({ action: 'deactivate', channelId }));
          return real.registerWebhook(spec);
        },
      };
    },
  });
  const counts = await run();
  expect(counts).toMatchObject({ reRegistered: 0, skipped: 1 });
  expect(h.sandbox.sandbox.webhooks(token)).toEqual([]);
  expect(await h.rawChannel(channelId)).toMatchObject({ status: { S: 'inactive' } });
});
