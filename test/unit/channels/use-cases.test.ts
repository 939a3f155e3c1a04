/**
 * Channel use cases against in-memory ports (the repository passes the same contract suite as the
 * DynamoDB store): check order, "not checked", lock release, stale locks.
 */
import { type ChannelUseCases, createChannelUseCases } from '../../../shared/channels/channel-use-cases';
import type { ChannelUseCaseDeps, Chat2DeskAccount } from '../../../shared/channels/ports';
import { memoryChannelRepository } from '../../support/memory-channel-repository';
import { makeTestToken } from '../../support/tokens';

function failure(kind: string) {
  return Object.assign(new Error(`Chat2Desk call failed (${kind})`), { failure: kind });
}

function setup(
  overrides: {
    trained?: boolean;
    agentDown?: boolean;
    apiInfo?: Error;
    register?: Error;
    unregister?: Error;
    /** Runs while the registration is in flight (a concurrent command). */
    duringRegister?: () => Promise<unknown>;
  } = {},
) {
  const memory = memoryChannelRepository();
  const calls: string[] = [];
  const account: Chat2DeskAccount = {
    async apiInfo() {
      calls.push('apiInfo');
      if (overrides.apiInfo) throw overrides.apiInfo;
      return {};
    },
    async registerWebhook(spec) {
      calls.push(`register ${spec.url}`);
      await overrides.duringRegister?.();
      if (overrides.register) throw overrides.register;
      return { webhook: { id: 'wh-1' } };
    },
    async unregisterWebhook() {
      calls.push('unregister');
      if (overrides.unregister) throw overrides.unregister;
      return 1;
    },
  };
  let n = 0;
  const deps: ChannelUseCaseDeps = {
    channels: memory.repo,
    agents: {
      async trainedStatus(agentId) {
        calls.push('trainedStatus');
        if (overrides.agentDown) throw new Error('agent API could not be reached');
        return overrides.trained === false
          ? { trained: false, reason: 'notTrained', message: `agent ${agentId} is not trained` }
          : { trained: true };
      },
    },
    accounts: { forAccount: () => account },
    apiUrlPolicy: { check: async () => ({ ok: true }) },
    webhooks: { urlFor: (id, g) => `https://hooks.test/${id}/${g}`, nameFor: (id) => `ours:${id}` },
    now: () => new Date('2026-01-01T00:00:00Z'),
    newId: () => `ch-${++n}`,
  };
  const useCases: ChannelUseCases = createChannelUseCases(deps);
  return { useCases, memory, calls };
}

const channel = (token = makeTestToken()) => ({
  name: 'n',
  apiUrl: 'https://c2d.test',
  token,
  serviceMessages: false,
  requireSignature: false,
});

it('runs every side-effect-free check and names each failure; no lock, no webhook', async () => {
  const { useCases, memory, calls } = setup({ trained: false, apiInfo: failure('unreachable') });
  const result = await useCases.create({ agentId: 'a', channel: channel(), activate: true });
  expect(result.activation?.checks.map((c) => [c.name, c.ok])).toEqual([
    ['agentTrained', false],
    ['tokenUnique', true],
    ['addressReachable', false],
    ['webhookRegistered', false],
  ]);
  expect(result.activation?.checks[3]?.reason).toBe('not checked');
  expect(result.activation?.checks[2]?.reason).toMatch(/did not answer/);
  expect(memory.locks.size).toBe(0);
  expect(calls.some((c) => c.startsWith('register'))).toBe(false);
});

it('an agent API outage fails agentTrained with a reason, not the command', async () => {
  const { useCases } = setup({ agentDown: true });
  const result = await useCases.create({ agentId: 'a', channel: channel(), activate: true });
  expect(result.activation?.checks[0]).toEqual({
    name: 'agentTrained',
    ok: false,
    reason: expect.stringMatching(/could not ask the platform/),
  });
  expect(result.channel.status).toBe('inactive');
});

it('a webhook registration failure after the lock releases the lock', async () => {
  const { useCases, memory } = setup({ register: failure('full') });
  const result = await useCases.create({ agentId: 'a', channel: channel(), activate: true });
  expect(result.activation).toMatchObject({ activated: false, applied: true });
  expect(result.activation?.checks[3]?.reason).toMatch(/maximum of 5 webhooks/);
  expect(memory.locks.size).toBe(0);
  expect(memory.items.get(result.channel.id)?.status).toBe('inactive');
});

it('takes over a stale lock whose channel is gone', async () => {
  const { useCases, memory } = setup();
  const token = makeTestToken('stale');
  memory.locks.set(token, 'deleted-channel');
  const result = await useCases.create({ agentId: 'a', channel: channel(token), activate: true });
  expect(result.activation?.activated).toBe(true);
  expect(memory.locks.get(token)).toBe(result.channel.id);
});

it('activation bumps the generation; deactivation does not', async () => {
  const { useCases, memory } = setup();
  const created = await useCases.create({ agentId: 'a', channel: channel(), activate: true });
  expect(memory.items.get(created.channel.id)?.generation).toBe(1);
  await useCases.deactivate({ channelId: created.channel.id });
  expect(memory.items.get(created.channel.id)?.generation).toBe(1);
  await useCases.update({ channelId: created.channel.id, changes: {}, activate: true });
  expect(memory.items.get(created.channel.id)?.generation).toBe(2);
});

it('deactivation succeeds and releases the lock even when Chat2Desk cannot remove the webhook', async () => {
  const { useCases, memory } = setup({ unregister: failure('unreachable') });
  const created = await useCases.create({ agentId: 'a', channel: channel(), activate: true });
  const result = await useCases.deactivate({ channelId: created.channel.id });
  expect(result.channel.status).toBe('inactive');
  expect(memory.locks.size).toBe(0);
});

it('a refused APPLY writes nothing', async () => {
  const flags: { trained?: boolean } = {};
  const { useCases, memory, calls } = setup(flags);
  const created = await useCases.create({ agentId: 'a', channel: channel(), activate: true });
  const before = structuredClone(memory.items.get(created.channel.id));
  const locksBefore = new Map(memory.locks);
  flags.trained = false;
  calls.length = 0;
  const result = await useCases.update({
    channelId: created.channel.id,
    changes: { name: 'x', token: makeTestToken() },
  });
  expect(result.activation).toMatchObject({ activated: true, applied: false });
  expect(memory.items.get(created.channel.id)).toEqual(before);
  expect(memory.locks).toEqual(locksBefore);
  expect(calls.filter((c) => c.startsWith('register') || c === 'unregister')).toEqual([]);
});

it('a registration that fails while a deactivate runs: what it may have registered is removed, though its rollback write loses', async () => {
  const concurrent: { useCases?: ChannelUseCases } = {};
  const { useCases, calls } = setup({
    register: failure('unreachable'),
    duringRegister: () => concurrent.useCases!.deactivate({ channelId: 'ch-1' }),
  });
  concurrent.useCases = useCases;
  const created = await useCases.create({ agentId: 'a', channel: channel() });
  await expect(
    useCases.update({ channelId: created.channel.id, changes: {}, activate: true }),
  ).rejects.toMatchObject({ code: 'VERSION_CONFLICT' });
  // The deactivate's own unregister (nothing there yet), then the activation's compensation.
  expect(calls.filter((c) => c === 'unregister')).toHaveLength(2);
  expect((await useCases.get({ channelId: created.channel.id })).channel.status).toBe('inactive');
});
