/** DESIGN §3 invariant 5: at most one active channel per token, even under concurrent activation. */
import { makeTestToken } from '../../support/tokens';
import { channelOf, checksOf, type Harness, startHarness } from './harness';

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
