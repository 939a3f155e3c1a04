/**
 * A restart of `npm start` with data kept: the keys in .local/keys.json keep webhook URLs valid,
 * the channel stays active in DynamoDB, and the healer's run at start registers its webhook again
 * in the fresh (in-memory) sandbox, so the client is answered without any action. The new
 * sandbox's ids continue past the old ones: a message after the restart is never taken for an
 * answered one, and a new client never inherits an old dialog's state.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../infra/local/emulators';
import type { LocalStack } from '../../infra/local/runtime/stack';
import { makeTestToken } from '../support/tokens';
import { clientSays, createActiveChannel, manage, replyMatching, startTestStack } from './helpers';

jest.setTimeout(90_000);

describe('local stack restart with kept data', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'c2d-local-'));
  let stack: LocalStack | undefined;
  afterAll(async () => {
    await stack?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('keeps keys and channels, and re-registers the webhook in the new sandbox', async () => {
    const port = await freePort();
    // The same port, state folder and prefix both times.
    const start = () => startTestStack('restart', { port, inMemory: false, stateDir });
    stack = await start();
    await stack.firstHeal;
    const token = makeTestToken('restart');
    const { id, webhookUrl } = await createActiveChannel(stack.url, token);
    const keys = readFileSync(join(stateDir, 'keys.json'), 'utf8');
    const before = await clientSays(stack.url, token, '3003', { text: 'before the restart' });
    await replyMatching(stack.url, token, '3003', 'You said: before the restart');
    // A second client handed to a human: its dialog is muted for the bot.
    const muted = await clientSays(stack.url, token, '3005', { text: '/operator' });
    await replyMatching(stack.url, token, '3005', 'Connecting you to an operator');
    await stack.stop();

    stack = await start();
    expect(readFileSync(join(stateDir, 'keys.json'), 'utf8')).toBe(keys);
    await stack.firstHeal;
    const webhooks = stack.sandbox.webhooks(token);
    expect(webhooks.map((w) => w.url)).toEqual([webhookUrl]);
    const got = (await manage(stack.url, { action: 'get', channelId: id })) as {
      channel: { status: string; webhookUrl: string };
    };
    expect(got.channel.status).toBe('active');

    const after = await clientSays(stack.url, token, '3003', { text: 'still there?' });
    await replyMatching(stack.url, token, '3003', 'You said: still there?');
    expect(Number(after.messageId)).toBeGreaterThan(Number(before.messageId));
    // A new client's dialog is new to the connector too: the bot answers it.
    const fresh = await clientSays(stack.url, token, '3006', { text: 'hello after the restart' });
    expect([before.dialogId, muted.dialogId]).not.toContain(fresh.dialogId);
    await replyMatching(stack.url, token, '3006', 'You said: hello after the restart');
  });
});
