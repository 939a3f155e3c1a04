/**
 * The token goes only to the host it was entered for (DESIGN §3 invariant 12): moving a channel to
 * another API address needs the token typed again. A second, real Chat2Desk sandbox plays the new
 * host and records every request it gets.
 */
import { startSandboxServer } from '../../../infra/local/sandbox';
import { tokenRecorder } from '../../support/tokens';
import { channelOf, type Harness, startHarness } from './harness';

const MESSAGE = 'enter the token again when the API address changes';

let h: Harness;
let newHost: Awaited<ReturnType<typeof startSandboxServer>>;
const { token } = tokenRecorder();

beforeAll(async () => {
  h = await startHarness();
  newHost = await startSandboxServer({ port: 0 });
});
afterAll(async () => {
  await newHost.stop();
  await h.stop();
});

async function channel(activate: boolean) {
  return channelOf(
    await h.run({
      action: 'create',
      agentId: 'agent-host',
      channel: { apiUrl: h.sandbox.apiUrl, token: token('host') },
      activate,
    }),
  ).channel;
}

describe.each([
  ['APPLY of an active channel', true, {}],
  ['SAVE of an inactive channel', false, {}],
  ['SAVE & ACTIVATE of an inactive channel', false, { activate: true }],
])('%s to another host without the token', (_label, active, extra) => {
  it('is refused at changes.token; nothing is sent to the new host and the item is unchanged', async () => {
    const before = await channel(active);
    const rawBefore = JSON.stringify(await h.rawChannel(before.id));
    const requestsBefore = newHost.sandbox.requests.length;
    const result = await h.run({
      action: 'update',
      channelId: before.id,
      changes: { apiUrl: newHost.apiUrl, name: 'Moved' },
      ...extra,
    });
    expect(result).toEqual({
      ok: false,
      error: {
        code: 'VALIDATION_FAILED',
        message: MESSAGE,
        details: { issues: [{ path: 'changes.token', message: MESSAGE }] },
      },
    });
    expect(newHost.sandbox.requests.length).toBe(requestsBefore);
    expect(JSON.stringify(await h.rawChannel(before.id))).toBe(rawBefore);
  });
});

it('with the token entered again the move is applied on the new host', async () => {
  const before = await channel(true);
  const moved = token('host-new');
  const result = channelOf(
    await h.run({
      action: 'update',
      channelId: before.id,
      changes: { apiUrl: newHost.apiUrl, token: moved },
    }),
  );
  expect(result.activation).toMatchObject({ activated: true, applied: true });
  expect(result.channel.apiUrl).toBe(newHost.apiUrl);
  expect(newHost.sandbox.webhooks(moved).map((w) => w.url)).toEqual([result.channel.webhookUrl]);
});

it('the same address spelled differently (scheme case, trailing slash) is no change and needs no token', async () => {
  const before = await channel(false);
  const respelled = `${h.sandbox.apiUrl.replace(/^http:/, 'HTTP:')}/`;
  const result = channelOf(
    await h.run({ action: 'update', channelId: before.id, changes: { apiUrl: respelled } }),
  );
  expect(result.channel.apiUrl).toBe(h.sandbox.apiUrl);
  expect(result.channel.version).toBe(before.version);
});

it('another path on the same host keeps the token on its host: saved without the token', async () => {
  const before = await channel(false);
  const samehost = `${h.sandbox.apiUrl}/v2`;
  const result = channelOf(
    await h.run({ action: 'update', channelId: before.id, changes: { apiUrl: samehost } }),
  );
  expect(result.channel.apiUrl).toBe(samehost);
  expect(result.channel.version).toBe(before.version + 1);
});
