/**
 * Signed mode cannot be switched off by a management write (DESIGN §3 invariant 6): a command that
 * read the channel before the webhook function recorded the first signed delivery keeps
 * `signedSince`. The interleaving is deterministic: the command's read returns, the webhook
 * function's own write (`markSigned`) runs, then the command writes. Only an account change clears it.
 */
import { createWebhookChannelReader } from '../../../functions/webhook/webhook-channel-reader';
import type { ChannelUseCaseDeps } from '../../../shared/channels/ports';
import { tokenRecorder } from '../../support/tokens';
import { channelOf, type Harness, startHarness } from './harness';

let h: Harness;
const { token } = tokenRecorder();
const SIGNED_AT = '2026-12-04T12:00:00.000Z';

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

/** The channel store as the command sees it, with the first signed delivery landing right after its first read. */
function signedAfterFirstRead(deps: ChannelUseCaseDeps): ChannelUseCaseDeps {
  const webhook = createWebhookChannelReader({
    client: h.documentClient,
    tableName: h.table.name,
    cacheTtlMs: 0,
  });
  let first = true;
  return {
    ...deps,
    channels: {
      ...deps.channels,
      get: async (channelId) => {
        const read = await deps.channels.get(channelId);
        if (first && read) {
          first = false;
          await webhook.markSigned(channelId, read.generation, SIGNED_AT);
        }
        return read;
      },
    },
  };
}

async function channel(activate: boolean) {
  return channelOf(
    await h.run({
      action: 'create',
      agentId: 'agent-signed',
      channel: { apiUrl: h.sandbox.apiUrl, token: token('signed') },
      activate,
    }),
  ).channel;
}

async function stored(channelId: string) {
  return channelOf(await h.run({ action: 'get', channelId })).channel;
}

it.each([
  [
    'APPLY of an active channel',
    true,
    (id: string) => ({ action: 'update', channelId: id, changes: { name: 'New name' } }),
  ],
  [
    'SAVE of an inactive channel',
    false,
    (id: string) => ({ action: 'update', channelId: id, changes: { name: 'New name' } }),
  ],
  [
    'SAVE & ACTIVATE of an inactive channel',
    false,
    (id: string) => ({ action: 'update', channelId: id, changes: { name: 'New name' }, activate: true }),
  ],
  ['DEACTIVATE', true, (id: string) => ({ action: 'deactivate', channelId: id })],
])('%s that read before the first signed delivery keeps signedSince', async (_label, active, command) => {
  const before = await channel(active);
  expect(before.signedSince).toBeUndefined();
  const result = channelOf(await h.runAdapted(signedAfterFirstRead, command(before.id)));
  expect(result.channel.version).toBeGreaterThan(before.version);
  const after = await stored(before.id);
  expect(after.signedSince).toBe(SIGNED_AT);
  expect(after.version).toBe(result.channel.version);
});

it('an account change (new token) is the one write that clears signedSince: the new account starts unsigned', async () => {
  const before = await channel(true);
  const result = channelOf(
    await h.runAdapted(signedAfterFirstRead, {
      action: 'update',
      channelId: before.id,
      changes: { token: token('signed-new') },
    }),
  );
  expect(result.activation).toMatchObject({ applied: true });
  const after = await stored(before.id);
  expect(after.signedSince).toBeUndefined();
  expect(after.webhookUrl).not.toBe(before.webhookUrl);
});
