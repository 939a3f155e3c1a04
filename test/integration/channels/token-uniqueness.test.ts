/** DESIGN §3 invariant 5: at most one active channel per token, even under concurrent activation. */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { tokenLockHash } from '../../../shared/adapters/dynamodb/channel-store';
import { keys } from '../../../shared/adapters/dynamodb/table-definition';
import { testDynamoClient } from '../../support/aws';
import { makeTestToken } from '../../support/tokens';
import { channelOf, checksOf, type Harness, startHarness, TOKEN_HASH_KEY } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

it('50 concurrent CREATE & ACTIVATE with one token: exactly one active, 49 report tokenUnique failed', async () => {
  const token = makeTestToken('race');
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      h.run({
        action: 'create',
        agentId: 'agent-race',
        channel: { name: `racer ${i}`, apiUrl: h.sandbox.apiUrl, token },
        activate: true,
      }),
    ),
  );
  const channels = results.map((r) => channelOf(r));
  const winners = channels.filter((c) => c.channel.status === 'active');
  const losers = channels.filter((c) => c.channel.status === 'inactive');
  expect(winners).toHaveLength(1);
  expect(losers).toHaveLength(49);
  for (const [i, result] of results.entries()) {
    if (channels[i]!.channel.status === 'active') continue;
    const checks = checksOf(result);
    expect(checks.tokenUnique).toEqual({
      ok: false,
      reason: expect.stringMatching(/another active Chat2Desk channel/),
    });
    expect(checks.webhookRegistered).toEqual({ ok: false, reason: 'not checked' });
    expect(channels[i]!.activation).toMatchObject({ activated: false, applied: true });
  }
  const winner = winners[0]!.channel;
  expect(await h.lockOwner(token)).toBe(winner.id);
  expect(h.sandbox.sandbox.webhooks(token).map((w) => w.url)).toEqual([winner.webhookUrl]);

  // Stored state agrees with the answers: one active channel for the token.
  const listed = await h.run({ action: 'list', agentId: 'agent-race' });
  if (!listed.ok || !('channels' in listed)) throw new Error(JSON.stringify(listed));
  expect(listed.channels).toHaveLength(50);
  expect(listed.channels.filter((c) => c.status === 'active').map((c) => c.id)).toEqual([winner.id]);

  // After the winner is deactivated, another one activates.
  await h.run({ action: 'deactivate', channelId: winner.id });
  expect(await h.lockOwner(token)).toBeUndefined();
  const next = losers[0]!.channel;
  const second = channelOf(
    await h.run({ action: 'update', channelId: next.id, changes: {}, activate: true }),
  );
  expect(second.channel.status).toBe('active');
  expect(await h.lockOwner(token)).toBe(next.id);
  expect(h.sandbox.sandbox.webhooks(token).map((w) => w.url)).toEqual([second.channel.webhookUrl]);
});

it('an APPLY that takes a token held by another active channel is refused and changes nothing', async () => {
  const a = makeTestToken('holder');
  const b = makeTestToken('taker');
  const holder = channelOf(
    await h.run({
      action: 'create',
      agentId: 'agent-x',
      channel: { apiUrl: h.sandbox.apiUrl, token: a },
      activate: true,
    }),
  );
  const taker = channelOf(
    await h.run({
      action: 'create',
      agentId: 'agent-x',
      channel: { apiUrl: h.sandbox.apiUrl, token: b },
      activate: true,
    }),
  );
  const before = JSON.stringify(await h.rawChannel(taker.channel.id));
  const result = await h.run({ action: 'update', channelId: taker.channel.id, changes: { token: a } });
  expect(checksOf(result).tokenUnique.ok).toBe(false);
  expect(channelOf(result).activation).toMatchObject({ activated: true, applied: false });
  expect(JSON.stringify(await h.rawChannel(taker.channel.id))).toBe(before);
  expect(await h.lockOwner(a)).toBe(holder.channel.id);
  expect(await h.lockOwner(b)).toBe(taker.channel.id);
});

it('inactive channels may share a token', async () => {
  const t = makeTestToken('shared');
  for (let i = 0; i < 3; i += 1) {
    const r = channelOf(
      await h.run({ action: 'create', agentId: 'agent-s', channel: { apiUrl: h.sandbox.apiUrl, token: t } }),
    );
    expect(r.channel.status).toBe('inactive');
  }
  expect(await h.lockOwner(t)).toBeUndefined();
});

it('a stale lock taken over while its owner deactivates and reactivates: never two active channels, the owner can always be deactivated', async () => {
  const dynamo = testDynamoClient();
  for (let round = 0; round < 12; round += 1) {
    const token = makeTestToken(`reclaim-${round}`);
    const create = (activate: boolean) =>
      h.run({
        action: 'create',
        agentId: 'agent-reclaim',
        channel: { apiUrl: h.sandbox.apiUrl, token },
        activate,
      });
    const owner = channelOf(await create(false)).channel;
    const taker = channelOf(await create(false)).channel;
    // A lock left naming the inactive owner (as a crash or an older version could leave it).
    await dynamo.send(
      new PutItemCommand({
        TableName: h.table.name,
        Item: {
          pk: { S: keys.tokenLock(tokenLockHash(TOKEN_HASH_KEY, token)) },
          channelId: { S: owner.id },
          type: { S: 'chat2desk' },
        },
      }),
    );
    const activate = (id: string) => h.run({ action: 'update', channelId: id, changes: {}, activate: true });
    const ownerFlaps = async () => {
      await activate(owner.id);
      await h.run({ action: 'deactivate', channelId: owner.id });
      await activate(owner.id);
    };
    await Promise.all([
      ownerFlaps(),
      (async () => {
        await new Promise((r) => setTimeout(r, round * 7));
        await activate(taker.id);
      })(),
    ]);

    const views = await Promise.all(
      [owner.id, taker.id].map(
        async (id) => channelOf(await h.run({ action: 'get', channelId: id })).channel,
      ),
    );
    const active = views.filter((v) => v.status === 'active');
    expect(active.length).toBeLessThanOrEqual(1);
    expect(await h.lockOwner(token)).toBe(active[0]?.id);
    for (const view of active) {
      const off = channelOf(await h.run({ action: 'deactivate', channelId: view.id }));
      expect(off.channel.status).toBe('inactive');
    }
    expect(await h.lockOwner(token)).toBeUndefined();
  }
});
