/**
 * Activation reports an operatorId the account does not list, or lists offline, without failing
 * (docs/MANAGEMENT.md, "Warnings").
 */
import { makeTestToken } from '../../support/tokens';
import { channelOf, type Harness, startHarness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

const create = (token: string, operatorId?: number) =>
  h.run({
    action: 'create',
    agentId: 'agent-1',
    activate: true,
    channel: { apiUrl: h.sandbox.apiUrl, token, ...(operatorId !== undefined ? { operatorId } : {}) },
  });

it('activates with an unknown operatorId and says so in `warnings`', async () => {
  const result = channelOf(await create(makeTestToken('warn-unknown'), 4242));
  expect(result.channel.status).toBe('active');
  expect(result.activation?.activated).toBe(true);
  expect(result.activation?.warnings).toEqual([
    {
      code: 'OPERATOR_NOT_LISTED',
      message: expect.stringContaining(
        "operator 4242 is not among the account's 3 operators (1001, 1002, 1003)",
      ),
    },
  ]);
});

it('has no warnings for a listed operator or without an operator', async () => {
  expect(channelOf(await create(makeTestToken('warn-known'), 1001)).activation).not.toHaveProperty(
    'warnings',
  );
  expect(channelOf(await create(makeTestToken('warn-none'))).activation).not.toHaveProperty('warnings');
});

it('APPLY warns too; an unreachable account gives no operator guess', async () => {
  const token = makeTestToken('warn-apply');
  const created = channelOf(await create(token, 1001));
  const applied = channelOf(
    await h.run({
      action: 'update',
      channelId: created.channel.id,
      // Another address needs the token entered again.
      changes: { operatorId: 5555, apiUrl: 'http://127.0.0.1:9/sandbox', token },
    }),
  );
  // Unreachable address: no operator list, so no guess about the operator.
  expect(applied.activation?.applied).toBe(false);
  expect(applied.activation).not.toHaveProperty('warnings');
  const ok = channelOf(
    await h.run({ action: 'update', channelId: created.channel.id, changes: { operatorId: 5555 } }),
  );
  expect(ok.activation?.applied).toBe(true);
  expect(ok.channel.operatorId).toBe('5555');
  expect(ok.activation?.warnings?.[0]?.code).toBe('OPERATOR_NOT_LISTED');
});

it('activates with the bot operator offline and says what to do; none once it is online', async () => {
  const token = makeTestToken('warn-offline');
  await h.sandbox.sandbox.setOperatorStatus(token, '1001', { online: 0, offline_type: 'inactive' });
  const result = channelOf(await create(token, 1001));
  expect(result.channel.status).toBe('active');
  expect(result.activation?.activated).toBe(true);
  expect(result.activation?.warnings).toEqual([
    {
      code: 'OPERATOR_OFFLINE',
      message: expect.stringMatching(
        /operator 1001 is offline in Chat2Desk \(inactive\).*Working.*inactive operators offline/,
      ),
    },
  ]);
  await h.sandbox.sandbox.setOperatorStatus(token, '1001', { online: 1, offline_type: null });
  await h.run({ action: 'deactivate', channelId: result.channel.id });
  const again = channelOf(await h.run({ action: 'update', channelId: result.channel.id, activate: true }));
  expect(again.activation?.activated).toBe(true);
  expect(again.activation).not.toHaveProperty('warnings');
});
