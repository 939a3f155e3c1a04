/** The healer's decisions against an in-memory account (no network). */
import type { AccountWebhook, WebhookSpec } from '../../../shared/adapters/chat2desk/account-client';
import type { Channel } from '../../../shared/domain/channel';
import { Chat2DeskPermanentError, Chat2DeskRetryableError } from '../../../shared/errors';
import {
  type HealCandidate,
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
  async unregisterWebhook(spec: { url: string }) {
    this.calls.push('unregister');
    const before = this.webhooks.length;
    this.webhooks = this.webhooks.filter((w) => w.url !== spec.url);
    return before - this.webhooks.length;
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
    notReached: 0,
  });
});

describe('a run that finishes', () => {
  /** Records the order in which the channels' accounts were first asked. */
  function orderedDeps(channels: HealCandidate[]) {
    const asked: string[] = [];
    const accounts = new Map(
      channels.map((c) => {
        const account = new FakeAccount([webhook(c, 'enabled')]);
        const list = account.listWebhooks.bind(account);
        account.listWebhooks = async () => {
          asked.push(c.id);
          return list();
        };
        return [c.id, account];
      }),
    );
    return { asked, deps: { ...deps(channels, accounts), concurrency: 1 } };
  }
  const seeded = (seed: number) => () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };

  test('the order changes from run to run; results keep the scan order', async () => {
    const channels = Array.from({ length: 12 }, (_, i) => channel(`c${i}`));
    const first = orderedDeps(channels);
    const report = await healWebhooks(first.deps, { random: seeded(1) });
    const second = orderedDeps(channels);
    await healWebhooks(second.deps, { random: seeded(2) });
    expect(new Set(first.asked)).toEqual(new Set(channels.map((c) => c.id)));
    expect(first.asked).not.toEqual(second.asked);
    expect(first.asked).not.toEqual(channels.map((c) => c.id));
    expect(report.results.map((r) => r.channelId)).toEqual(channels.map((c) => c.id));
  });

  test('channels whose last check failed are tried after all the others', async () => {
    const channels: HealCandidate[] = Array.from({ length: 10 }, (_, i) => ({
      ...channel(`c${i}`),
      ...(i < 4 ? { lastHealFailureAt: '2026-01-01T00:00:00.000Z' } : {}),
    }));
    for (const seed of [1, 2, 3]) {
      const run = orderedDeps(channels);
      await healWebhooks(run.deps, { random: seeded(seed) });
      expect(run.asked.slice(6).sort()).toEqual(['c0', 'c1', 'c2', 'c3']);
    }
  });

  test('failures are remembered, and forgotten when the channel is fine again', async () => {
    const failing = channel('bad');
    const recovered: HealCandidate = { ...channel('back'), lastHealFailureAt: '2026-01-01T00:00:00.000Z' };
    const fine = channel('fine');
    const accounts = new Map([
      ['bad', new FakeAccount([])],
      ['back', new FakeAccount([webhook(recovered, 'enabled')])],
      ['fine', new FakeAccount([webhook(fine, 'enabled')])],
    ]);
    accounts.get('bad')!.failWith = new Chat2DeskRetryableError('unreachable', 'connect ECONNREFUSED');
    const memo: string[] = [];
    await healWebhooks(
      {
        ...deps([failing, recovered, fine], accounts),
        recordFailure: async (c, at) => {
          memo.push(`failed ${c.id} ${at.toISOString()}`);
        },
        clearFailure: async (c) => {
          memo.push(`cleared ${c.id}`);
        },
      },
      { now: () => Date.parse('2026-05-01T10:00:00.000Z') },
    );
    expect(memo.sort()).toEqual(['cleared back', 'failed bad 2026-05-01T10:00:00.000Z']);
  });

  test('past the deadline, channels not started are skipped as runDeadline; a slow one is cut at its share', async () => {
    const slow = channel('slow');
    const rest = [channel('r1'), channel('r2')];
    const accounts = new Map<string, FakeAccount>(
      rest.map((c) => [c.id, new FakeAccount([webhook(c, 'enabled')])]),
    );
    const hanging = new FakeAccount([]);
    let signalSeen: AbortSignal | undefined;
    const base = deps([slow, ...rest], accounts);
    const run = healWebhooks(
      {
        ...base,
        concurrency: 1,
        accountFor: (c, signal) => {
          if (c.id !== 'slow') return accounts.get(c.id)!;
          signalSeen = signal;
          hanging.listWebhooks = () =>
            new Promise((_, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted'))));
          return hanging;
        },
      },
      // The slow one first; the deadline leaves it the whole time.
      { deadline: Date.now() + 300, random: () => 0.99 },
    );
    const report = await run;
    expect(signalSeen?.aborted).toBe(true);
    expect(report.results.find((r) => r.channelId === 'slow')).toEqual({
      channelId: 'slow',
      outcome: 'failed',
      reason: 'outOfTime',
    });
    expect(report.notReached).toBe(2);
    expect(
      report.results
        .filter((r) => r.reason === 'runDeadline')
        .map((r) => r.channelId)
        .sort(),
    ).toEqual(['r1', 'r2']);
  });
});

test('a deactivation that slips in between the freshness read and the re-registration: ours is removed again', async () => {
  const a = channel('a');
  const account = new FakeAccount([]);
  let reads = 0;
  const report = await healWebhooks({
    ...deps([a], new Map([['a', account]])),
    // Active when read before registering, inactive when read after.
    isStillActive: async () => {
      reads += 1;
      return reads === 1;
    },
  });
  expect(report.results).toEqual([{ channelId: 'a', outcome: 'skipped', reason: 'channelNoLongerActive' }]);
  expect(account.calls).toEqual(['list', 'register agent-platform:a', 'unregister']);
  expect(account.webhooks).toEqual([]);
});
