/**
 * Configuration changes take effect at once (DESIGN §3 invariant 10), on the local stack with warm
 * caches (CHANNEL_CACHE_TTL_MS = 10 minutes) and a sandbox that does not retry a refused delivery:
 * a message sent right after a change must be answered on its first delivery.
 */
import type { LocalStack } from '../../infra/local/runtime/stack';
import { makeTestToken } from '../support/tokens';
import { clientSays, createActiveChannel, manage, replyMatching, startTestStack } from './helpers';

jest.setTimeout(90_000);

/** A local stack on the test run's emulators whose sandbox never retries a refused delivery. */
function quietStack(prefix: string, sandbox: { signWebhooks?: boolean } = {}): Promise<LocalStack> {
  return startTestStack(prefix, {
    env: { CHANNEL_CACHE_TTL_MS: '600000' },
    sandbox: { webhookRetryDelaysMs: [], ...sandbox },
  });
}

let stack: LocalStack;
beforeAll(async () => {
  stack = await quietStack('e2e-changes');
});
afterAll(async () => {
  await stack?.stop();
});

const answered = (token: string, clientId: string, text: string) =>
  replyMatching(stack.url, token, clientId, `You said: ${text}`);

it('a new token is answered at once; the old one again after changing back', async () => {
  const first = makeTestToken('e2e-first');
  const second = makeTestToken('e2e-second');
  const { id } = await createActiveChannel(stack.url, first);
  await clientSays(stack.url, first, '901', { text: 'warm up' });
  await answered(first, '901', 'warm up');

  const moved = await manage(stack.url, { action: 'update', channelId: id, changes: { token: second } });
  expect(moved).toMatchObject({ ok: true, activation: { applied: true } });
  await clientSays(stack.url, second, '902', { text: 'new account' });
  await answered(second, '902', 'new account');

  const back = await manage(stack.url, { action: 'update', channelId: id, changes: { token: first } });
  expect(back).toMatchObject({ ok: true, activation: { applied: true } });
  await clientSays(stack.url, first, '901', { text: 'old account again' });
  await answered(first, '901', 'old account again');
  // Every delivery was accepted the first time: nothing was refused by a stale cache.
  expect(stack.sandbox.deliveries.filter((d) => d.status !== 200)).toEqual([]);
});

it('deactivate → activate: the next message is answered within a second', async () => {
  const token = makeTestToken('e2e-flip');
  const { id } = await createActiveChannel(stack.url, token);
  await clientSays(stack.url, token, '911', { text: 'before' });
  await answered(token, '911', 'before');
  expect(await manage(stack.url, { action: 'deactivate', channelId: id })).toMatchObject({ ok: true });
  expect(
    await manage(stack.url, { action: 'update', channelId: id, changes: {}, activate: true }),
  ).toMatchObject({ ok: true, activation: { activated: true } });
  const start = Date.now();
  await clientSays(stack.url, token, '911', { text: 'after' });
  await answered(token, '911', 'after');
  expect(Date.now() - start).toBeLessThan(1000);
});

describe('signatures, both ways the sandbox can send', () => {
  it('an account that signs: after its first signed delivery an unsigned one is refused (401)', async () => {
    const token = makeTestToken('e2e-signs');
    const { id, webhookUrl } = await createActiveChannel(stack.url, token);
    await clientSays(stack.url, token, '921', { text: 'signed' });
    await answered(token, '921', 'signed');
    const view = (await manage(stack.url, { action: 'get', channelId: id })).channel as {
      signedSince?: string;
    };
    expect(view.signedSince).toEqual(expect.any(String));
    const stripped = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        hook_type: 'inbox',
        type: 'from_client',
        message_id: 1,
        client_id: 921,
        text: 'x',
      }),
    });
    expect(stripped.status).toBe(401);
  });

  it('an account that does not sign keeps working (nothing to strip)', async () => {
    const unsigned = await quietStack('e2e-unsigned', { signWebhooks: false });
    try {
      const token = makeTestToken('e2e-unsigned');
      const { id } = await createActiveChannel(unsigned.url, token);
      for (const text of ['one', 'two']) {
        await clientSays(unsigned.url, token, '931', { text });
        await replyMatching(unsigned.url, token, '931', `You said: ${text}`);
      }
      const view = (await manage(unsigned.url, { action: 'get', channelId: id })).channel as {
        signedSince?: string;
      };
      expect(view.signedSince).toBeUndefined();
    } finally {
      await unsigned.stop();
    }
  });
});
