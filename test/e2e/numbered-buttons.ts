/**
 * Buttons on a transport that cannot show them, end to end through the local stack: the bot's
 * buttons reach an sms client as a numbered list, and the client's `2` reaches the agent as the
 * second button (its payload, else its label) — only while that list is the bot's last message.
 * Run under each sandbox profile by numbered-buttons-<profile>.test.ts (one stack per test file).
 */
import type { LocalStack } from '../../infra/local/runtime/stack';
import { SANDBOX_PROFILES, type SandboxProfileName } from '../../infra/local/sandbox/realism';
import { makeTestToken } from '../support/tokens';
import {
  clientSays,
  createActiveChannel,
  replyMatching,
  sandboxCall,
  settled,
  startTestStack,
} from './helpers';

const HUMAN = 1002;

export function describeNumberedButtons(profile: SandboxProfileName): void {
  describe(`buttons shown as a numbered list, sandbox profile ${profile}`, () => {
    let stack: LocalStack;
    beforeAll(async () => {
      // No satisfaction survey: the client's answer after a close is for the bot in either profile.
      stack = await startTestStack(`buttons-${profile}`, {
        sandbox: { ...SANDBOX_PROFILES[profile], ratingSurvey: false },
      });
    });
    afterAll(async () => {
      await stack?.stop();
    });

    const api = (token: string, method: string, path: string, body?: unknown) =>
      sandboxCall(stack.url, token, method, path, body);

    const heardByAgent = (clientId: string) =>
      stack.agent.events
        .filter((e) => e.event.chatId === `${clientId}|chat2desk`)
        .map((e) => e.event.clientMessage);

    it("an sms client's number is the button it names, until the bot's next message", async () => {
      const token = makeTestToken(`buttons-${profile}`);
      await createActiveChannel(stack.url, token);
      await clientSays(stack.url, token, '4300', { text: '/buttons', transport: 'sms' });
      await replyMatching(stack.url, token, '4300', /1\. Yes\n2\. No\n3\. /);

      await clientSays(stack.url, token, '4300', { text: '2', transport: 'sms' });
      await replyMatching(stack.url, token, '4300', 'You said: No');
      await settled(stack);

      // The bot has spoken since: the list is no longer the last thing offered.
      await clientSays(stack.url, token, '4300', { text: '2', transport: 'sms' });
      await replyMatching(stack.url, token, '4300', 'You said: 2');
      expect(heardByAgent('4300')).toEqual(['/buttons', 'No', '2']);
    });

    it('a label typed back counts too; the same buttons on a messenger leave a number as text', async () => {
      const token = makeTestToken(`buttons-label-${profile}`);
      await createActiveChannel(stack.url, token);
      await clientSays(stack.url, token, '4301', { text: '/buttons', transport: 'sms' });
      await replyMatching(stack.url, token, '4301', /2\. No/);
      await clientSays(stack.url, token, '4301', { text: '  YES ', transport: 'sms' });
      await replyMatching(stack.url, token, '4301', 'You said: Yes');

      await clientSays(stack.url, token, '4302', { text: '/buttons', transport: 'telegram' });
      await replyMatching(stack.url, token, '4302', /Choose an answer/);
      await settled(stack);
      await clientSays(stack.url, token, '4302', { text: '1', transport: 'telegram' });
      await replyMatching(stack.url, token, '4302', 'You said: 1');
      expect(heardByAgent('4301')).toEqual(['/buttons', 'Yes']);
      expect(heardByAgent('4302')).toEqual(['/buttons', '1']);
    });

    it("a human's message ends the list: after the close, a number is just text", async () => {
      const token = makeTestToken(`buttons-human-${profile}`);
      await createActiveChannel(stack.url, token);
      const { dialogId } = await clientSays(stack.url, token, '4303', { text: '/buttons', transport: 'sms' });
      await replyMatching(stack.url, token, '4303', /1\. Yes/);

      await api(token, 'PUT', `/v1/dialogs/${dialogId}`, { operator_id: HUMAN });
      await api(token, 'POST', '/v1/messages', {
        client_id: 4303,
        text: 'Anna here, all sorted?',
        operator_id: HUMAN,
      });
      await settled(stack);
      await stack.sandbox.closeDialog(token, dialogId);
      await settled(stack);

      await clientSays(stack.url, token, '4303', { text: '1', transport: 'sms' });
      await replyMatching(stack.url, token, '4303', 'You said: 1');
      expect(heardByAgent('4303')).toEqual(['/buttons', '1']);
    });
  });
}
