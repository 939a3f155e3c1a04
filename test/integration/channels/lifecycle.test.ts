/** Every lifecycle button of the seed, against DynamoDB Local, the Chat2Desk sandbox and a real agent server. */
import { maskToken } from '../../../shared/redaction';
import { tokenRecorder } from '../../support/tokens';
import { channelOf, checksOf, expectOk, type Harness, startHarness } from './harness';

let h: Harness;
const { token, all: tokens } = tokenRecorder();

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  // No token of this suite appears in any response (masked views only).
  for (const response of h.responses) for (const t of tokens) expect(response).not.toContain(t);
  await h.stop();
});

const fields = (t: string, extra: Record<string, unknown> = {}) => ({
  name: 'Support bot',
  apiUrl: h.sandbox.apiUrl,
  token: t,
  ...extra,
});

describe('CREATE', () => {
  it('saves an inactive channel with the token masked and takes no lock', async () => {
    const t = token('create');
    const result = channelOf(await h.run({ action: 'create', agentId: 'agent-1', channel: fields(t) }));
    expect(result.activation).toBeUndefined();
    expect(result.channel).toMatchObject({
      agentId: 'agent-1',
      name: 'Support bot',
      apiUrl: h.sandbox.apiUrl,
      token: maskToken(t),
      serviceMessages: false,
      status: 'inactive',
      version: 1,
    });
    expect(result.channel.webhookUrl).toMatch(/^https:\/\/connector\.example\.test\/webhooks\/chat2desk\//);
    expect(await h.lockOwner(t)).toBeUndefined();
    expect(h.sandbox.sandbox.webhooks(t)).toEqual([]);
  });

  it('defaults the name to "New channel"', async () => {
    const result = channelOf(
      await h.run({
        action: 'create',
        agentId: 'agent-1',
        channel: { apiUrl: h.sandbox.apiUrl, token: token('d') },
      }),
    );
    expect(result.channel.name).toBe('New channel');
  });
});

describe('CREATE & ACTIVATE', () => {
  it('activates when all four checks pass: lock taken, webhook registered at the channel URL', async () => {
    const t = token('activate');
    const result = channelOf(
      await h.run({
        action: 'create',
        agentId: 'agent-1',
        channel: fields(t, { operatorId: 1002 }),
        activate: true,
      }),
    );
    expect(result.activation).toEqual({
      activated: true,
      applied: true,
      checks: [
        { name: 'agentTrained', ok: true },
        { name: 'tokenUnique', ok: true },
        { name: 'addressReachable', ok: true },
        { name: 'webhookRegistered', ok: true },
      ],
    });
    expect(result.channel.status).toBe('active');
    expect(result.channel.operatorId).toBe('1002');
    expect(await h.lockOwner(t)).toBe(result.channel.id);
    const hooks = h.sandbox.sandbox.webhooks(t);
    expect(hooks).toHaveLength(1);
    expect(hooks[0]!.url).toBe(result.channel.webhookUrl);
    expect([...hooks[0]!.events].sort()).toEqual([
      'close_dialog',
      'close_request',
      'dialog_transferred',
      'inbox',
      'new_request',
      'operator_status_changed',
      'outbox',
      'outbox_status',
    ]);
    // The lock item is keyed by a hash: the raw token is in no key.
    const raw = JSON.stringify(await h.rawChannel(result.channel.id));
    expect(raw).not.toContain(`tokenlock#${t}`);
  });

  it('saves but does not activate when checks fail, naming every failing check', async () => {
    const t = `invalid-${token('badtoken')}`;
    tokens.push(t);
    const result = await h.run({
      action: 'create',
      agentId: 'untrained-agent',
      channel: fields(t),
      activate: true,
    });
    const ok = channelOf(result);
    expect(ok.channel.status).toBe('inactive');
    expect(ok.activation).toMatchObject({ activated: false, applied: true });
    const checks = checksOf(result);
    expect(checks.agentTrained).toEqual({ ok: false, reason: expect.stringMatching(/not trained/) });
    expect(checks.tokenUnique).toEqual({ ok: true });
    expect(checks.addressReachable).toEqual({
      ok: false,
      reason: expect.stringMatching(/did not accept the token/),
    });
    expect(checks.webhookRegistered).toEqual({ ok: false, reason: 'not checked' });
    expect(await h.lockOwner(t)).toBeUndefined();
    expect(await h.rawChannel(ok.channel.id)).toBeDefined();
  });

  it('reports an unreachable address', async () => {
    const t = token('unreachable');
    const result = await h.run({
      action: 'create',
      agentId: 'agent-1',
      channel: fields(t, { apiUrl: 'http://127.0.0.1:9/nothing' }),
      activate: true,
    });
    expect(checksOf(result).addressReachable).toEqual({
      ok: false,
      reason: expect.stringMatching(/did not answer/),
    });
    expect(channelOf(result).channel.status).toBe('inactive');
  });

  it('releases the lock when webhook registration fails after it was taken', async () => {
    const t = token('hookfail');
    h.sandbox.sandbox.faults.inject({ method: 'POST', path: /^\/v1\/webhooks$/, status: 500, times: 1 });
    const result = await h.run({ action: 'create', agentId: 'agent-1', channel: fields(t), activate: true });
    h.sandbox.sandbox.faults.clear();
    const ok = channelOf(result);
    expect(ok.channel.status).toBe('inactive');
    expect(ok.activation?.activated).toBe(false);
    expect(checksOf(result).tokenUnique).toEqual({ ok: true });
    expect(checksOf(result).webhookRegistered).toEqual({
      ok: false,
      reason: expect.stringMatching(/server error/),
    });
    expect(await h.lockOwner(t)).toBeUndefined();
    const stored = channelOf(await h.run({ action: 'get', channelId: ok.channel.id })).channel;
    expect(stored.status).toBe('inactive');
  });

  it('reports a full account (5 webhooks) and leaves no lock', async () => {
    const t = token('full');
    for (let i = 0; i < 5; i += 1) {
      const res = await fetch(`${h.sandbox.apiUrl}/v1/webhooks`, {
        method: 'POST',
        headers: { Authorization: t, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          name: `other-${i}`,
          url: `https://other.example.test/${i}`,
          events: ['inbox'],
        }),
      });
      expect(res.status).toBe(200);
    }
    const result = await h.run({ action: 'create', agentId: 'agent-1', channel: fields(t), activate: true });
    expect(checksOf(result).webhookRegistered).toEqual({
      ok: false,
      reason: expect.stringMatching(/maximum of 5 webhooks/),
    });
    expect(await h.lockOwner(t)).toBeUndefined();
    expect(h.sandbox.sandbox.webhooks(t)).toHaveLength(5);
  });
});

describe('APPLY (update of an active channel)', () => {
  it('applies changes when every check passes, moving the lock and the webhook to the new token', async () => {
    const oldToken = token('apply-old');
    const newToken = token('apply-new');
    const created = channelOf(
      await h.run({ action: 'create', agentId: 'agent-1', channel: fields(oldToken), activate: true }),
    );
    const result = await h.run({
      action: 'update',
      channelId: created.channel.id,
      version: created.channel.version,
      changes: { name: 'Renamed', token: newToken, serviceMessages: true },
    });
    const ok = channelOf(result);
    expect(ok.activation).toMatchObject({ activated: true, applied: true });
    expect(ok.channel).toMatchObject({
      name: 'Renamed',
      token: maskToken(newToken),
      serviceMessages: true,
      status: 'active',
    });
    expect(await h.lockOwner(newToken)).toBe(created.channel.id);
    expect(await h.lockOwner(oldToken)).toBeUndefined();
    expect(h.sandbox.sandbox.webhooks(newToken).map((w) => w.url)).toEqual([ok.channel.webhookUrl]);
    expect(h.sandbox.sandbox.webhooks(oldToken)).toEqual([]);
  });

  it('changes nothing when a check fails: the stored item is byte-for-byte the same', async () => {
    const t = token('apply-fail');
    const created = channelOf(
      await h.run({ action: 'create', agentId: 'agent-1', channel: fields(t), activate: true }),
    );
    const before = await h.rawChannel(created.channel.id);
    const hooksBefore = h.sandbox.sandbox.webhooks(t);
    const badToken = `invalid-${token('apply-bad')}`;
    tokens.push(badToken);
    const result = await h.run({
      action: 'update',
      channelId: created.channel.id,
      changes: { name: 'Never stored', token: badToken },
    });
    const ok = channelOf(result);
    expect(ok.activation).toMatchObject({ activated: true, applied: false });
    expect(checksOf(result).addressReachable.ok).toBe(false);
    expect(checksOf(result).webhookRegistered).toEqual({ ok: false, reason: 'not checked' });
    expect(ok.channel.name).toBe('Support bot');
    expect(JSON.stringify(await h.rawChannel(created.channel.id))).toBe(JSON.stringify(before));
    expect(await h.lockOwner(t)).toBe(created.channel.id);
    expect(await h.lockOwner(badToken)).toBeUndefined();
    expect(h.sandbox.sandbox.webhooks(t)).toEqual(hooksBefore);
  });

  it('restores the previous state exactly when webhook registration fails after the lock moved', async () => {
    const t = token('apply-rollback');
    const other = token('apply-rollback-new');
    const created = channelOf(
      await h.run({ action: 'create', agentId: 'agent-1', channel: fields(t), activate: true }),
    );
    const before = await h.rawChannel(created.channel.id);
    h.sandbox.sandbox.faults.inject({ method: 'POST', path: /^\/v1\/webhooks$/, status: 500, times: 1 });
    const result = await h.run({
      action: 'update',
      channelId: created.channel.id,
      changes: { token: other },
    });
    h.sandbox.sandbox.faults.clear();
    expect(channelOf(result).activation).toMatchObject({ activated: true, applied: false });
    expect(checksOf(result).webhookRegistered.ok).toBe(false);
    expect(JSON.stringify(await h.rawChannel(created.channel.id))).toBe(JSON.stringify(before));
    expect(await h.lockOwner(t)).toBe(created.channel.id);
    expect(await h.lockOwner(other)).toBeUndefined();
  });
});

describe('DEACTIVATE', () => {
  it('unregisters the webhook and releases the lock; a second deactivate changes nothing', async () => {
    const t = token('deactivate');
    const created = channelOf(
      await h.run({ action: 'create', agentId: 'agent-1', channel: fields(t), activate: true }),
    );
    const result = channelOf(await h.run({ action: 'deactivate', channelId: created.channel.id }));
    expect(result.channel.status).toBe('inactive');
    expect(await h.lockOwner(t)).toBeUndefined();
    expect(h.sandbox.sandbox.webhooks(t)).toEqual([]);
    const again = channelOf(await h.run({ action: 'deactivate', channelId: created.channel.id }));
    expect(again.channel.version).toBe(result.channel.version);
  });

  it('deactivates even when the webhook is already gone in Chat2Desk', async () => {
    const t = token('gone');
    const created = channelOf(
      await h.run({ action: 'create', agentId: 'agent-1', channel: fields(t), activate: true }),
    );
    const [hook] = h.sandbox.sandbox.webhooks(t);
    await fetch(`${h.sandbox.apiUrl}/v1/webhooks/${hook!.id}`, {
      method: 'DELETE',
      headers: { Authorization: t },
    });
    const result = channelOf(await h.run({ action: 'deactivate', channelId: created.channel.id }));
    expect(result.channel.status).toBe('inactive');
    expect(await h.lockOwner(t)).toBeUndefined();
  });

  it('a reactivation gets a new generation: the webhook URL changes', async () => {
    const t = token('regen');
    const first = channelOf(
      await h.run({ action: 'create', agentId: 'agent-1', channel: fields(t), activate: true }),
    );
    await h.run({ action: 'deactivate', channelId: first.channel.id });
    const second = channelOf(
      await h.run({ action: 'update', channelId: first.channel.id, changes: {}, activate: true }),
    );
    expect(second.activation?.activated).toBe(true);
    expect(second.channel.webhookUrl).not.toBe(first.channel.webhookUrl);
    expect(h.sandbox.sandbox.webhooks(t).map((w) => w.url)).toEqual([second.channel.webhookUrl]);
  });
});

describe('SAVE and SAVE & ACTIVATE (update of an inactive channel)', () => {
  it('SAVE applies the changes and stays inactive', async () => {
    const t = token('save');
    const created = channelOf(await h.run({ action: 'create', agentId: 'agent-1', channel: fields(t) }));
    const result = channelOf(
      await h.run({
        action: 'update',
        channelId: created.channel.id,
        version: 1,
        changes: { name: 'Saved', operatorId: '7' },
      }),
    );
    expect(result.activation).toBeUndefined();
    expect(result.channel).toMatchObject({ name: 'Saved', operatorId: '7', status: 'inactive', version: 2 });
    const cleared = channelOf(
      await h.run({ action: 'update', channelId: created.channel.id, changes: { operatorId: null } }),
    );
    expect(cleared.channel.operatorId).toBeUndefined();
  });

  it('SAVE & ACTIVATE applies the changes and activates when the checks pass', async () => {
    const t = token('saveact');
    const created = channelOf(await h.run({ action: 'create', agentId: 'agent-1', channel: fields(t) }));
    const result = channelOf(
      await h.run({
        action: 'update',
        channelId: created.channel.id,
        changes: { name: 'Live' },
        activate: true,
      }),
    );
    expect(result.activation).toMatchObject({ activated: true, applied: true });
    expect(result.channel).toMatchObject({ name: 'Live', status: 'active' });
    expect(await h.lockOwner(t)).toBe(created.channel.id);
  });

  it('SAVE & ACTIVATE with a failing check applies the changes but does not activate', async () => {
    const t = token('saveact-fail');
    const created = channelOf(await h.run({ action: 'create', agentId: 'untrained-x', channel: fields(t) }));
    const result = await h.run({
      action: 'update',
      channelId: created.channel.id,
      changes: { name: 'Changed anyway' },
      activate: true,
    });
    expect(channelOf(result).activation).toMatchObject({ activated: false, applied: true });
    expect(channelOf(result).channel).toMatchObject({ name: 'Changed anyway', status: 'inactive' });
    expect(checksOf(result).agentTrained.ok).toBe(false);
    expect(checksOf(result).webhookRegistered.reason).toBe('not checked');
  });
});

describe('DELETE, GET, LIST', () => {
  it('DELETE deactivates first, then removes the channel', async () => {
    const t = token('delete');
    const created = channelOf(
      await h.run({ action: 'create', agentId: 'agent-del', channel: fields(t), activate: true }),
    );
    const result = channelOf(await h.run({ action: 'delete', channelId: created.channel.id }));
    expect(result.channel.status).toBe('inactive');
    expect(await h.rawChannel(created.channel.id)).toBeUndefined();
    expect(await h.lockOwner(t)).toBeUndefined();
    expect(h.sandbox.sandbox.webhooks(t)).toEqual([]);
    expect(await h.run({ action: 'get', channelId: created.channel.id })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
  });

  it('LIST returns the views of an agent’s channels, tokens masked', async () => {
    const a = token('list-a');
    const b = token('list-b');
    await h.run({ action: 'create', agentId: 'agent-list', channel: fields(a, { name: 'A' }) });
    await h.run({ action: 'create', agentId: 'agent-list', channel: fields(b, { name: 'B' }) });
    await h.run({ action: 'create', agentId: 'agent-other', channel: fields(token('list-c')) });
    const result = expectOk(await h.run({ action: 'list', agentId: 'agent-list' }));
    if (!('channels' in result)) throw new Error('expected channels');
    expect(result.channels.map((c) => c.name).sort()).toEqual(['A', 'B']);
    expect(result.channels.map((c) => c.token).sort()).toEqual([maskToken(a), maskToken(b)].sort());
  });
});
