/**
 * Admission per channel on the local stack (DESIGN §3 inv. 2 and 12): a channel whose account sends
 * more than its admission gets 429s, the sandbox resends them as Chat2Desk does (here on a
 * compressed 1 s / 3 s / 6 s schedule), and every message is still answered; another account's
 * channel is answered on its first delivery meanwhile.
 */
import type { LocalStack } from '../../infra/local/runtime/stack';
import { makeTestToken } from '../support/tokens';
import { clientSays, createActiveChannel, replyMatching, startTestStack } from './helpers';

jest.setTimeout(90_000);

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack('e2e-admission', {
    env: { WEBHOOK_CHANNEL_RATE_PER_SECOND: '5', WEBHOOK_CHANNEL_BURST: '5' },
    sandbox: { webhookRetryDelaysMs: [1000, 3000, 6000] },
  });
});
afterAll(async () => {
  await stack?.stop();
});

it('a flooding account gets 429s and loses nothing; another account is answered at once', async () => {
  const busy = makeTestToken('e2e-busy');
  const quiet = makeTestToken('e2e-quiet');
  const a = await createActiveChannel(stack.url, busy);
  const b = await createActiveChannel(stack.url, quiet);
  const clients = Array.from({ length: 12 }, (_, i) => String(7100 + i));

  await Promise.all(
    clients.map((client) => clientSays(stack.url, busy, client, { text: `flood ${client}` })),
  );
  await clientSays(stack.url, quiet, '7200', { text: 'meanwhile' });

  await replyMatching(stack.url, quiet, '7200', 'You said: meanwhile');
  for (const client of clients) await replyMatching(stack.url, busy, client, `You said: flood ${client}`);

  const toA = stack.sandbox.deliveries.filter((d) => d.url === a.webhookUrl);
  const toB = stack.sandbox.deliveries.filter((d) => d.url === b.webhookUrl);
  expect(toA.filter((d) => d.status === 429).length).toBeGreaterThan(0);
  // Only the flooding channel is refused, and only for its admission.
  expect(toB.filter((d) => d.status !== 200)).toEqual([]);
  expect(new Set(toA.filter((d) => d.status !== 200).map((d) => d.status))).toEqual(new Set([429]));
});
