/**
 * Hand-off and actions end to end through the local stack, with the demo agent's commands: a
 * note the operators see and the client does not; `whenOffline: "stay"` when nobody is online;
 * the hand-over when someone is; a close phrase that gives the dialog back to the bot and its
 * return text, said once; `close`; tags and the client card. Run under each sandbox profile by
 * handoff-<profile>.test.ts (one stack per test file).
 */

import { DEMO_HANDOFF } from '../../infra/local/demo-agent';
import type { LocalStack } from '../../infra/local/runtime/stack';
import { accountLabel } from '../../infra/local/sandbox';
import { SANDBOX_PROFILES, type SandboxProfileName } from '../../infra/local/sandbox/realism';
import { SERVICE_MESSAGE_NO_OPERATORS_ONLINE } from '../../shared/domain/agent-contract';
import { makeTestToken } from '../support/tokens';
import {
  clientSays,
  createActiveChannel,
  eventually,
  replyMatching,
  sandboxCall,
  settled,
  startTestStack,
  transcript,
} from './helpers';

const OPERATORS = ['1001', '1002', '1003'];

export function describeHandoff(profile: SandboxProfileName): void {
  describe(`hand-off and actions, sandbox profile ${profile}`, () => {
    let stack: LocalStack;
    beforeAll(async () => {
      stack = await startTestStack(`handoff-${profile}`, {
        sandbox: { ...SANDBOX_PROFILES[profile], webhookRetryDelaysMs: [200, 500, 1000] },
      });
    });
    afterAll(async () => {
      await stack?.stop();
    });

    async function clientCard(token: string, clientId: string): Promise<Record<string, unknown>> {
      const response = await fetch(`${stack.url}/sandbox/clients/${clientId}`, {
        headers: { authorization: token },
      });
      return (await response.json()) as Record<string, unknown>;
    }
    const seenByClient = async (token: string, clientId: string) =>
      (await transcript(stack.url, token, clientId)).filter((m) => m.direction === 'out').map((m) => m.text);

    it('hands over with a note the operator sees and the client does not; a close phrase brings the bot back, its return text once', async () => {
      const token = makeTestToken(`handoff-${profile}`);
      const account = accountLabel(token);
      await createActiveChannel(stack.url, token);
      await clientSays(stack.url, token, '5100', { text: '/handoff 1002' });
      await replyMatching(stack.url, token, '5100', 'Connecting you to an operator');
      await eventually(async () =>
        (await clientCard(token, '5100')).operatorId === '1002' ? true : undefined,
      );
      const note = (await transcript(stack.url, token, '5100')).find((m) => m.type === 'comment');
      expect(note).toMatchObject({ direction: 'internal', text: DEMO_HANDOFF.note });
      expect(await seenByClient(token, '5100')).not.toContain(DEMO_HANDOFF.note);

      // With the human: the bot is silent; the close phrase closes the request and brings it back.
      await clientSays(stack.url, token, '5100', { text: 'thanks' });
      await settled(stack);
      expect(await seenByClient(token, '5100')).not.toContain('You said: thanks');
      await clientSays(stack.url, token, '5100', { text: '  Back to BOT' });
      await replyMatching(stack.url, token, '5100', DEMO_HANDOFF.returnText);
      await settled(stack);
      // The request was closed, and the return text did not open it again.
      expect(
        stack.sandbox.requests.filter((r) => r.account === account && r.path === '/v1/requests/close'),
      ).toHaveLength(1);
      expect((await clientCard(token, '5100')).dialogState).toBe('closed');
      expect((await seenByClient(token, '5100')).filter((t) => t === DEMO_HANDOFF.returnText)).toHaveLength(
        1,
      );
      await clientSays(stack.url, token, '5100', { text: 'hi again' });
      await replyMatching(stack.url, token, '5100', 'You said: hi again');
      await settled(stack);
      expect((await seenByClient(token, '5100')).filter((t) => t === DEMO_HANDOFF.returnText)).toHaveLength(
        1,
      );
    });

    it('stays with the bot when nobody is online: the offline text, no hand-over, the agent told', async () => {
      const token = makeTestToken(`offline-${profile}`);
      await createActiveChannel(stack.url, token);
      for (const id of OPERATORS)
        await sandboxCall(stack.url, token, 'POST', `/operators/${id}/status`, { online: 0 });
      await clientSays(stack.url, token, '5200', { text: '/handoff' });
      await replyMatching(stack.url, token, '5200', DEMO_HANDOFF.offlineText);
      const told = await eventually(async () =>
        stack.agent.events.find(
          (e) =>
            e.event.chatId === '5200|chat2desk' &&
            e.event.clientMessage === SERVICE_MESSAGE_NO_OPERATORS_ONLINE,
        ),
      );
      expect(told.event.variables).toMatchObject({ channel_visitor_id: '5200' });
      await replyMatching(stack.url, token, '5200', 'Leave your question here');
      await settled(stack);
      expect((await clientCard(token, '5200')).operatorId).toBeNull();
      const account = accountLabel(token);
      expect(
        stack.sandbox.requests.some(
          (r) => r.account === account && (r.path.includes('/transfer') || r.path.startsWith('/v1/dialogs/')),
        ),
      ).toBe(false);
      await clientSays(stack.url, token, '5200', { text: 'still there?' });
      await replyMatching(stack.url, token, '5200', 'You said: still there?');
    });

    it('closes the request on /close; the next message is a new conversation with the bot', async () => {
      const token = makeTestToken(`close-${profile}`);
      await createActiveChannel(stack.url, token);
      await clientSays(stack.url, token, '5300', { text: '/close' });
      await replyMatching(stack.url, token, '5300', 'Goodbye!');
      await eventually(async () =>
        (await clientCard(token, '5300')).dialogState === 'closed' ? true : undefined,
      );
      await clientSays(stack.url, token, '5300', { text: 'hello again' });
      await replyMatching(stack.url, token, '5300', 'You said: hello again');
    });

    it('tags the request and names the client: the sandbox shows both', async () => {
      const token = makeTestToken(`tags-${profile}`);
      await createActiveChannel(stack.url, token);
      await clientSays(stack.url, token, '5400', { text: '/tag vip' });
      await replyMatching(stack.url, token, '5400', 'Tagged: vip');
      await clientSays(stack.url, token, '5400', { text: '/name Maria' });
      await replyMatching(stack.url, token, '5400', 'Nice to meet you, Maria');
      expect(await clientCard(token, '5400')).toMatchObject({ tags: ['vip'], name: 'Maria' });
    });
  });
}
