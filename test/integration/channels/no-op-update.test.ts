/**
 * An `update` that changes nothing writes nothing: same version, same updatedAt, no check run, no
 * request to Chat2Desk or the platform. It answers the channel as it is, without an activation
 * report (nothing was checked, nothing applied).
 */
import { tokenRecorder } from '../../support/tokens';
import { channelOf, type Harness, startHarness } from './harness';

let h: Harness;
const { token } = tokenRecorder();

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

async function channel(activate: boolean) {
  return channelOf(
    await h.run({
      action: 'create',
      agentId: 'agent-noop',
      channel: { name: 'Support bot', apiUrl: h.sandbox.apiUrl, token: token('noop'), operatorId: 1001 },
      activate,
    }),
  ).channel;
}

const unchanged = () => ({
  name: 'Support bot',
  apiUrl: `${h.sandbox.apiUrl}/`,
  operatorId: 1001,
  serviceMessages: false,
  requireSignature: false,
});

describe.each([
  ['active', true],
  ['inactive', false],
])('an %s channel', (_label, active) => {
  it.each([
    ['no changes', () => ({})],
    ['every field as it is', unchanged],
  ])('%s: nothing written, nothing checked, the channel as it is', async (_case, changes) => {
    const before = await channel(active);
    const rawBefore = JSON.stringify(await h.rawChannel(before.id));
    const agentCalls = h.agent.requests.length;
    const chat2deskCalls = h.sandbox.sandbox.requests.length;
    const result = await h.run({ action: 'update', channelId: before.id, changes: changes() });
    expect(result).toEqual({ ok: true, channel: before });
    expect(JSON.stringify(await h.rawChannel(before.id))).toBe(rawBefore);
    expect(h.agent.requests.length).toBe(agentCalls);
    expect(h.sandbox.sandbox.requests.length).toBe(chat2deskCalls);
  });
});

it('SAVE & ACTIVATE without changes still activates an inactive channel', async () => {
  const before = await channel(false);
  const result = channelOf(
    await h.run({ action: 'update', channelId: before.id, changes: {}, activate: true }),
  );
  expect(result.activation).toMatchObject({ activated: true, applied: true });
  expect(result.channel.status).toBe('active');
});
