/**
 * A restart of `npm start` with data kept: the keys in .local/keys.json keep webhook URLs valid,
 * the channel stays active in DynamoDB, and the healer's run at start registers its webhook again
 * in the fresh (in-memory) sandbox, so the client is answered without any action.
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

    await clientSays(stack.url, token, '3003', { text: 'still there?' });
    await replyMatching(stack.url, token, '3003', 'You said: still there?');
  });
});
