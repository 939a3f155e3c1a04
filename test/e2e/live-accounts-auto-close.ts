/**
 * Chat2Desk's inactivity auto-close (reference §9 row 3), end to end through the local stack: a
 * dialog handed to a human and then closed for inactivity is the bot's again. Its own stack (the
 * sandbox closes every idle dialog of it), run under each sandbox profile by
 * live-accounts-auto-close-<profile>.test.ts.
 */
import type { LocalStack } from '../../infra/local/runtime/stack';
import { AUTO_CLOSE_TEXT } from '../../infra/local/sandbox/model';
import { SANDBOX_PROFILES, type SandboxProfileName } from '../../infra/local/sandbox/realism';
import { makeTestToken } from '../support/tokens';
import {
  clientSays,
  createActiveChannel,
  eventually,
  replyMatching,
  settled,
  startTestStack,
  transcript,
} from './helpers';

const HUMAN = 1002;
/** Long enough for the pipeline to answer under load, short enough for a quick test. */
const IDLE_MS = 4000;

export function describeAutoClose(profile: SandboxProfileName): void {
  describe(`inactivity auto-close, sandbox profile ${profile}`, () => {
    let stack: LocalStack;
    beforeAll(async () => {
      stack = await startTestStack(`autoclose-${profile}`, {
        sandbox: { ...SANDBOX_PROFILES[profile], autoCloseIdleMs: IDLE_MS, webhookRetryDelaysMs: [200, 500] },
      });
    });
    afterAll(async () => {
      await stack?.stop();
    });

    it('gives a dialog the human let go idle back to the bot: the next message is answered', async () => {
      const token = makeTestToken(`autoclose-${profile}`);
      await createActiveChannel(stack.url, token);
      const { dialogId } = await clientSays(stack.url, token, '4200', { text: 'hello' });
      await replyMatching(stack.url, token, '4200', 'You said: hello');

      // A human takes the dialog; the client's question is theirs, and nobody answers it.
      const taken = await fetch(`${stack.url}/sandbox/v1/dialogs/${dialogId}`, {
        method: 'PUT',
        headers: { authorization: token, 'content-type': 'application/json' },
        body: JSON.stringify({ operator_id: HUMAN }),
      });
      expect(taken.status).toBe(200);
      await settled(stack);
      const { messageId: question } = await clientSays(stack.url, token, '4200', { text: 'anyone there?' });

      // Chat2Desk closes the dialog for inactivity.
      await eventually(async () => {
        const all = await transcript(stack.url, token, '4200');
        const after = all.slice(all.findIndex((m) => m.id === question));
        return after.find((m) => m.text === AUTO_CLOSE_TEXT);
      });
      await settled(stack);
      const out = (await transcript(stack.url, token, '4200')).filter((m) => m.direction === 'out');
      expect(out.map((m) => m.text)).not.toContain('You said: anyone there?');

      await clientSays(stack.url, token, '4200', { text: 'hello again' });
      await replyMatching(stack.url, token, '4200', 'You said: hello again');
    });
  });
}
