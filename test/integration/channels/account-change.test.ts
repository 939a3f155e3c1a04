/**
 * APPLY that changes the account (token or apiUrl) retires the old webhook URL: a new generation
 * (new URL) registered in the new account, ours removed from the old one, the token lock moved,
 * and deliveries to the retired URL answer 404 with nothing queued. With an ambiguous failure
 * (the sandbox's `afterHandling` faults) or a plain one at any Chat2Desk step, the command either
 * completes or leaves the old configuration fully working.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createWebhookHandler } from '../../../functions/webhook/handler';
import { createWebhookChannelReader } from '../../../functions/webhook/webhook-channel-reader';
import type { FaultRule } from '../../../infra/local/sandbox/types';
import type { InboundQueueMessage } from '../../../shared/domain/queue-messages';
import { testDocumentClient } from '../../support/aws';
import { makeTestToken } from '../../support/tokens';
import { inboxBody, webhookRequest } from '../../support/webhook-events';
import { channelOf, type Harness, startHarness } from './harness';

const WEBHOOK_KEY = 'test-webhook-secret-key-0123456789'; // the harness's WEBHOOK_SECRET_KEY

let h: Harness;
const queued: InboundQueueMessage[] = [];
let webhook: ReturnType<typeof createWebhookHandler>;

beforeAll(async () => {
  h = await startHarness();
  webhook = createWebhookHandler({
    webhookSecretKey: WEBHOOK_KEY,
    inboundQueue: {
      enqueue: async (message) => {
        queued.push(message);
      },
    },
    // A long cache, as in a warm Lambda: a change must take effect anyway.
    channels: createWebhookChannelReader({
      client: testDocumentClient(),
      tableName: h.table.name,
      cacheTtlMs: 600_000,
    }),
  });
});
afterAll(async () => {
  await h.stop();
});
afterEach(() => {
  h.sandbox.sandbox.faults.clear();
});

/** A delivery to a webhook URL, signed by the account of `token`, as Chat2Desk sends it. */
async function deliver(url: string, token: string): Promise<number> {
  const [channelId, secret] = new URL(url).pathname.split('/').slice(-2) as [string, string];
  const before = queued.length;
  const result = (await webhook(
    webhookRequest({ channelId, secret, body: inboxBody({ client_id: 77 }), signWith: token }),
  )) as APIGatewayProxyStructuredResultV2;
  if (result.statusCode !== 200) expect(queued.length).toBe(before); // refused: nothing queued
  return result.statusCode ?? 0;
}

async function activeChannel(token: string) {
  const created = channelOf(
    await h.run({
      action: 'create',
      agentId: 'agent-move',
      channel: { apiUrl: h.sandbox.apiUrl, token },
      activate: true,
    }),
  );
  expect(created.channel.status).toBe('active');
  // Warm the webhook's cache with the old configuration.
  expect(await deliver(created.channel.webhookUrl, token)).toBe(200);
  return created.channel;
}

const ourUrls = (token: string, channelId: string) =>
  h.sandbox.sandbox
    .webhooks(token)
    .filter((w) => w.name.endsWith(channelId))
    .map((w) => w.url);

it('a new token: new URL in the new account, ours gone from the old one, lock moved, old URL 404', async () => {
  const oldToken = makeTestToken('move-old');
  const newToken = makeTestToken('move-new');
  const before = await activeChannel(oldToken);
  const applied = channelOf(
    await h.run({ action: 'update', channelId: before.id, changes: { token: newToken } }),
  );
  expect(applied.activation).toMatchObject({ activated: true, applied: true });
  const after = applied.channel;
  expect(after.webhookUrl).not.toBe(before.webhookUrl);
  expect(ourUrls(newToken, before.id)).toEqual([after.webhookUrl]);
  expect(ourUrls(oldToken, before.id)).toEqual([]);
  expect(await h.lockOwner(newToken)).toBe(before.id);
  expect(await h.lockOwner(oldToken)).toBeUndefined();
  // At once, with the webhook's cache still holding the old configuration:
  expect(await deliver(after.webhookUrl, newToken)).toBe(200);
  expect(await deliver(before.webhookUrl, oldToken)).toBe(404);
  expect(await deliver(after.webhookUrl, oldToken)).toBe(401);
  expect(queued.at(-1)?.generation).toBe(2);

  // And back: answered again at once.
  const back = channelOf(
    await h.run({ action: 'update', channelId: before.id, changes: { token: oldToken } }),
  );
  expect(back.activation?.applied).toBe(true);
  expect(await deliver(back.channel.webhookUrl, oldToken)).toBe(200);
  expect(await deliver(after.webhookUrl, newToken)).toBe(404);
  expect(ourUrls(newToken, before.id)).toEqual([]);
});

it('a change of name only keeps the URL (same account)', async () => {
  const token = makeTestToken('rename');
  const before = await activeChannel(token);
  const renamed = channelOf(
    await h.run({ action: 'update', channelId: before.id, changes: { name: 'Renamed' } }),
  );
  expect(renamed.channel.webhookUrl).toBe(before.webhookUrl);
  expect(await deliver(before.webhookUrl, token)).toBe(200);
});

const FAULTS: Array<[string, FaultRule, 'new' | 'old']> = [
  ['api_info fails', { method: 'GET', path: '/v1/companies/api_info', status: 500, times: 1 }, 'old'],
  ['listing webhooks fails', { method: 'GET', path: '/v1/webhooks', status: 500, times: 1 }, 'old'],
  ['creating the webhook fails', { method: 'POST', path: '/v1/webhooks', status: 500, times: 1 }, 'old'],
  [
    'creating the webhook succeeds but the answer is an error',
    { method: 'POST', path: '/v1/webhooks', status: 500, afterHandling: true, times: 1 },
    'old',
  ],
  [
    'creating the webhook succeeds but the connection drops',
    { method: 'POST', path: '/v1/webhooks', hangup: true, afterHandling: true, times: 1 },
    'old',
  ],
  [
    'removing the old webhook fails',
    { method: 'DELETE', path: /^\/v1\/webhooks\//, status: 500, times: 1 },
    'new',
  ],
  [
    'removing the old webhook succeeds but the answer is an error',
    { method: 'DELETE', path: /^\/v1\/webhooks\//, status: 500, afterHandling: true, times: 1 },
    'new',
  ],
  ['every webhook call fails', { path: /^\/v1\/webhooks/, status: 503 }, 'old'],
];

it.each(FAULTS)(
  '%s: either the new configuration works or the old one does, fully',
  async (_name, fault, expected) => {
    const oldToken = makeTestToken('fault-old');
    const newToken = makeTestToken('fault-new');
    const before = await activeChannel(oldToken);
    const storedBefore = await h.rawChannel(before.id);
    h.sandbox.sandbox.faults.inject(fault);
    const result = channelOf(
      await h.run({ action: 'update', channelId: before.id, changes: { token: newToken } }),
    );
    h.sandbox.sandbox.faults.clear();
    expect(result.activation?.applied ? 'new' : 'old').toBe(expected);

    if (result.activation?.applied) {
      const after = result.channel;
      expect(after.webhookUrl).not.toBe(before.webhookUrl);
      expect(await h.lockOwner(newToken)).toBe(before.id);
      expect(await h.lockOwner(oldToken)).toBeUndefined();
      expect(ourUrls(newToken, before.id)).toEqual([after.webhookUrl]);
      expect(await deliver(after.webhookUrl, newToken)).toBe(200);
      // The old URL is retired even where its webhook could not be removed from the old account.
      expect(await deliver(before.webhookUrl, oldToken)).toBe(404);
    } else {
      expect(result.activation).toMatchObject({ activated: true, applied: false });
      expect(result.channel.webhookUrl).toBe(before.webhookUrl);
      expect(await h.rawChannel(before.id)).toEqual(storedBefore);
      expect(await h.lockOwner(oldToken)).toBe(before.id);
      expect(await h.lockOwner(newToken)).toBeUndefined();
      expect(ourUrls(oldToken, before.id)).toEqual([before.webhookUrl]);
      expect(ourUrls(newToken, before.id)).toEqual([]);
      expect(await deliver(before.webhookUrl, oldToken)).toBe(200);
    }
  },
);
