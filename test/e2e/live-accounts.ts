/**
 * What live Chat2Desk accounts do that a demo account does not (reference §9), end to end through
 * the local stack: the satisfaction survey after a human operator's chat is closed never reaches
 * the agent, and the client's next conversation does; a reply WhatsApp refuses outside its 24 h
 * window is logged with its reply id and counted per channel. Run under each sandbox profile by
 * the agent, and the client's next conversation does; the bot operator's status shows in the
 * console's counters, with a WARN line when it goes offline. Run under each sandbox profile by
 * live-accounts-<profile>.test.ts (one stack per test file: the in-process functions keep their
 * clients for the life of the module registry).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChannelCounters } from '../../infra/local/runtime/connector-state';
import type { LocalStack } from '../../infra/local/runtime/stack';
import { accountLabel } from '../../infra/local/sandbox';
import { SURVEY_TEXT, WHATSAPP_WINDOW_ERROR } from '../../infra/local/sandbox/model';
import { SANDBOX_PROFILES, type SandboxProfileName } from '../../infra/local/sandbox/realism';
import { makeTestToken } from '../support/tokens';
import {
  clientSays,
  createActiveChannel,
  eventually,
  manage,
  replyMatching,
  sandboxCall,
  settled,
  startTestStack,
  transcript,
} from './helpers';

const HUMAN = 1002;
const CAPTURED_LOG = join(
  __dirname,
  '..',
  '..',
  'test-output',
  'logs',
  `worker-${process.env.JEST_WORKER_ID ?? '0'}-${process.pid}.log`,
);
const BOT = 1001;

/** The JSON log lines this test process wrote so far (test/support/env.ts captures them). */
function loggedLines(): Record<string, unknown>[] {
  return readFileSync(CAPTURED_LOG, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

export function describeLiveAccount(profile: SandboxProfileName): void {
  describe(`a live account, sandbox profile ${profile}`, () => {
    let stack: LocalStack;
    beforeAll(async () => {
      stack = await startTestStack(`live-${profile}`, {
        sandbox: {
          ...SANDBOX_PROFILES[profile],
          ratingSurvey: true,
          whatsappWindowHours: 24,
          webhookRetryDelaysMs: [200, 500, 1000],
        },
      });
    });
    afterAll(async () => {
      await stack?.stop();
    });

    const api = (token: string, method: string, path: string, body?: unknown) =>
      sandboxCall(stack.url, token, method, path, body);

    it("never answers the client's rating of a human operator; the next conversation is the bot's", async () => {
      const token = makeTestToken(`survey-${profile}`);
      await createActiveChannel(stack.url, token);
      const { dialogId } = await clientSays(stack.url, token, '4100', { text: 'hello' });
      await replyMatching(stack.url, token, '4100', 'You said: hello');

      // A human takes the dialog, answers, and closes it: Chat2Desk asks the client for a rating.
      await api(token, 'PUT', `/v1/dialogs/${dialogId}`, { operator_id: HUMAN });
      await api(token, 'POST', '/v1/messages', {
        client_id: 4100,
        text: 'Anna here, done!',
        operator_id: HUMAN,
      });
      await settled(stack);
      await stack.sandbox.closeDialog(token, dialogId);
      await replyMatching(stack.url, token, '4100', SURVEY_TEXT);

      await clientSays(stack.url, token, '4100', { text: '5' });
      await settled(stack);
      const out = (await transcript(stack.url, token, '4100')).filter((m) => m.direction === 'out');
      expect(out.map((m) => m.text)).not.toContain('You said: 5');
      expect(stack.agent.events.filter((e) => e.event.clientMessage === '5')).toEqual([]);

      // The next message opens a common request: the bot answers it.
      await clientSays(stack.url, token, '4100', { text: 'one more question' });
      await replyMatching(stack.url, token, '4100', 'You said: one more question');
    });

    it('logs and counts a reply WhatsApp refused outside its 24 h window', async () => {
      const token = makeTestToken(`window-${profile}`);
      const { id: channelId } = await createActiveChannel(stack.url, token);
      // The bot's answer reaches Chat2Desk only after the client's last message is 25 h old.
      stack.sandbox.faults.inject({ method: 'POST', path: '/v1/messages', delayMs: 2500, times: 1 });
      const { messageId } = await clientSays(stack.url, token, '4300', {
        text: 'hello',
        transport: 'whatsapp',
      });
      const account = accountLabel(token);
      await eventually(async () =>
        stack.sandbox.requests.find((r) => r.account === account && r.path === '/v1/messages'),
      );
      await api(token, 'POST', '/clients/4300/age', { hours: 25 });

      const refused = await replyMatching(stack.url, token, '4300', 'You said: hello');
      expect(refused.deliveryError).toBe(WHATSAPP_WINDOW_ERROR);
      const failures = async () => {
        const response = await fetch(`${stack.url}/local/counters`);
        const body = (await response.json()) as { channels: Record<string, { deliveryFailures: number }> };
        return body.channels[channelId]?.deliveryFailures || undefined;
      };
      await eventually(failures);
      await settled(stack);
      expect(await failures()).toBe(1);
      // The log lines this test process wrote (test/support/env.ts captures them for the secret scan).
      const lines = readFileSync(CAPTURED_LOG, 'utf8')
        .split('\n')
        .filter((line) => line.includes('reply refused by the messenger') && line.includes(channelId))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines).toEqual([
        expect.objectContaining({
          level: 'WARN',
          channelId,
          replyId: `${channelId}:inbox:${messageId}:0`,
          reason: WHATSAPP_WINDOW_ERROR,
        }),
      ]);
    });

    it("shows the bot operator's status from operator_status_updated, with a WARN line when it goes offline", async () => {
      const token = makeTestToken(`operator-${profile}`);
      const created = await manage(stack.url, {
        action: 'create',
        agentId: 'demo',
        activate: true,
        channel: { name: 'E2E', apiUrl: `${stack.url}/sandbox`, token, operatorId: BOT },
      });
      const channelId = (created.channel as { id: string }).id;
      const botOperator = async () => {
        const response = await fetch(`${stack.url}/local/counters`);
        const body = (await response.json()) as { channels: Record<string, ChannelCounters> };
        return body.channels[channelId]?.botOperator;
      };

      // Another operator's status is not the bot's.
      await api(token, 'POST', `/operators/${HUMAN}/status`, { online: 0, offline_type: 'manual' });
      await api(token, 'POST', `/operators/${BOT}/status`, { online: 0, offline_type: 'inactive' });
      const offline = await eventually(async () => {
        const status = await botOperator();
        return status?.online === false ? status : undefined;
      });
      expect(offline).toEqual({ online: false, offlineType: 'inactive', since: expect.any(String) });
      await eventually(async () =>
        loggedLines().find(
          (l) => l.level === 'WARN' && l.message === 'bot operator offline' && l.channelId === channelId,
        ),
      );

      await api(token, 'POST', `/operators/${BOT}/status`, { online: 1, offline_type: null });
      const online = await eventually(async () => {
        const status = await botOperator();
        return status?.online === true ? status : undefined;
      });
      expect(online).not.toHaveProperty('offlineType');
      await settled(stack);
      const skipped = (await (await fetch(`${stack.url}/local/counters`)).json()) as {
        channels: Record<string, ChannelCounters>;
      };
      expect(skipped.channels[channelId]?.skipped.OperatorStatus).toBe(1);
    });
  });
}
