/** The healer's decisions against an in-memory account (no network). */
import type { AccountWebhook, WebhookSpec } from '../../../shared/adapters/chat2desk/account-client';
import { Chat2DeskPermanentError, Chat2DeskRetryableError } from '../../../shared/adapters/chat2desk/http';
import type { Channel } from '../../../shared/domain/channel';
import {
  type HealWebhooksDeps,
  healWebhooks,
  type WebhookAccountPort,
} from '../../../shared/healing/heal-webhooks';
import { makeTestToken } from '../../support/tokens';

function channel(id: string, generation = 1): Channel {
  return {
    id,
    agentId: 'agent-1',
    type: 'chat2desk',
    name: `channel ${id}`,
    apiUrl: 'https://api.chat2desk.example',
    token: makeTestToken(id),
    serviceMessages: false,
    requireSignature: false,
    status: 'active',
    generation,
    version: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
}

const urlOf = (c: Channel) => `https://hooks.example.com/webhooks/chat2desk/${c.id}/${c.generation}.mac`;

class FakeAccount implements WebhookAccountPort {
  calls: string[] = [];
  failWith?: Error;
  constructor(public webhooks: AccountWebhook[] = []) {}
  async listWebhooks() {
    this.calls.push('list');
    if (this.failWith) throw this.failWith;
    return this.webhooks.map((w) => ({ ...w }));
  }
  async updateWebhook(id: string, spec: WebhookSpec & { enabled?: boolean }) {
    this.calls.push(`update ${id} enabled=${spec.enabled}`);
    const w = this.webhooks.find((x) => x.id === id)!;
    Object.assign(w, {
      url: spec.url,
      name: spec.name,
      status: spec.enabled === false ? 'disabled' : 'enabled',
    });
    return { ...w };
  }
  async registerWebhook(spec: WebhookSpec) {
    this.calls.push(`register ${spec.name}`);
    const w: AccountWebhook = {
      id: `w${this.webhooks.length + 100}`,
      name: spec.name,
      url: spec.url,
      events: [],
      status: 'enabled',
      errors: [],
    };
    this.webhooks.push(w);
    return { webhook: w, outcome: 'created' as const };
  }
}

function webhook(c: Channel, status: AccountWebhook['status'], errors = 0): AccountWebhook {
  return {
    id: `w-${c.id}`,
    name: `agent-platform:${c.id}`,
    url: urlOf(c),
    events: ['inbox'],
    status,
    errors: Array.from({ length: errors }, (_, i) => ({ text: `delivery failed ${i}` })),
  };
}

function deps(
  channels: Channel[],
  accounts: Map<string, FakeAccount>,
  stillActive = () => true,
): HealWebhooksDeps {
  return {
    activeChannels: async () => channels,
    isStillActive: async () => stillActive(),
    accountFor: (c) => accounts.get(c.id)!,
    expectedWebhook: (c) => ({ url: urlOf(c), name: `agent-platform:${c.id}` }),
    concurrency: 3,
  };
}

test('an enabled webhook is healthy and left alone (its delivery errors are counted, not changed)', async () => {
  const a = channel('a');
  const account = new FakeAccount([webhook(a, 'enabled', 2)]);
  const report = await healWebhooks(deps([a], new Map([['a', account]])));
  expect(report.results).toEqual([
    { channelId: 'a', outcome: 'healthy', webhookId: 'w-a', deliveryErrors: 2 },
  ]);
  expect(account.calls).toEqual(['list']);
});

test('a disabled webhook is re-enabled in place, with our URL and name', async () => {
  const a = channel('a');
  const account = new FakeAccount([webhook(a, 'disabled', 5)]);
  const report = await healWebhooks(deps([a], new Map([['a', account]])));
  expect(report.results).toEqual([
    { channelId: 'a', outcome: 'reEnabled', webhookId: 'w-a', deliveryErrors: 5 },
  ]);
  expect(account.calls).toEqual(['list', 'update w-a enabled=true']);
  expect(account.webhooks[0]!.status).toBe('enabled');
});

test('a missing webhook is re-registered; one of another URL (older generation) does not count as ours', async () => {
  const a = channel('a', 3);
  const stale = { ...webhook(channel('a', 2), 'enabled'), id: 'w-old' };
  const account = new FakeAccount([stale]);
  const report = await healWebhooks(deps([a], new Map([['a', account]])));
  expect(report.results).toEqual([{ channelId: 'a', outcome: 'reRegistered', webhookId: 'w101' }]);
  expect(account.calls).toEqual(['list', 'register agent-platform:a']);
  expect(account.webhooks.map((w) => w.url)).toContain(urlOf(a));
});

test('a channel deactivated since the scan gets nothing re-enabled or re-registered', async () => {
  const a = channel('a');
  const b = channel('b');
  const accountA = new FakeAccount([]);
  const accountB = new FakeAccount([webhook(b, 'disabled')]);
  const report = await healWebhooks(
    deps(
      [a, b],
      new Map([
        ['a', accountA],
        ['b', accountB],
      ]),
      () => false,
    ),
  );
  expect(report.counts).toMatchObject({ skipped: 2, reEnabled: 0, reRegistered: 0 });
  expect(accountA.calls).toEqual(['list']);
  expect(accountB.calls).toEqual(['list']);
});

test('one failing account does not stop the others; the reason is the failure kind only', async () => {
  const channels = ['a', 'b', 'c', 'd'].map((id) => channel(id));
  const accounts = new Map(channels.map((c) => [c.id, new FakeAccount([])]));
  accounts.get('a')!.failWith = new Chat2DeskPermanentError('badToken', 'Token is not correct', 401);
  accounts.get('b')!.failWith = new Chat2DeskRetryableError('unreachable', 'connect ECONNREFUSED');
  accounts.get('c')!.webhooks.push(webhook(channels[2]!, 'disabled'));
  const report = await healWebhooks(deps(channels, accounts));
  expect(report.results).toEqual([
    { channelId: 'a', outcome: 'failed', reason: 'badToken' },
    { channelId: 'b', outcome: 'failed', reason: 'unreachable' },
    { channelId: 'c', outcome: 'reEnabled', webhookId: 'w-c', deliveryErrors: 0 },
    { channelId: 'd', outcome: 'reRegistered', webhookId: 'w100' },
  ]);
  expect(report.counts).toEqual({ healthy: 0, reEnabled: 1, reRegistered: 1, skipped: 0, failed: 2 });
  expect(JSON.stringify(report)).not.toContain(channels[0]!.token);
});

test('every channel is checked exactly once, however many there are', async () => {
  const channels = Array.from({ length: 23 }, (_, i) => channel(`c${i}`));
  const accounts = new Map(channels.map((c) => [c.id, new FakeAccount([webhook(c, 'enabled')])]));
  const report = await healWebhooks(deps(channels, accounts));
  expect(report.results.map((r) => r.channelId)).toEqual(channels.map((c) => c.id));
  expect(report.counts.healthy).toBe(23);
  for (const account of accounts.values()) expect(account.calls).toEqual(['list']);
});

test('no active channels: an empty report', async () => {
  const report = await healWebhooks(deps([], new Map()));
  expect(report).toEqual({
    results: [],
    counts: { healthy: 0, reEnabled: 0, reRegistered: 0, skipped: 0, failed: 0 },
  });
});
