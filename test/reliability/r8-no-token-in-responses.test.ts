/**
 * R8 the Chat2Desk token appears in no log line and no response, across the whole suite.
 *
 * Suite-wide scan: every line any test writes is captured (test/support/env.ts) and the global
 * teardown fails the run if a test token (they all carry TEST_TOKEN_MARKER) appears in one; the
 * crash drill's child process logs into the same folder. Every reliability world also fails its
 * drill if a webhook response carried a token (support/world.ts, `stop`).
 *
 * This drill drives the answers most likely to echo a token — management errors about the token
 * field itself, activation checks failing on the token, webhook rejections of signed requests —
 * and checks every response body, plus what the agent receives.
 */
import { randomBytes } from 'node:crypto';
import { channelOf, type Harness, startHarness } from '../integration/channels/harness';
import { makeTestToken, TEST_TOKEN_MARKER } from '../support/tokens';
import { drillTimeout, figure, startWorld } from './support/world';

describe('R8 no token in any response', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  test(
    'management answers, activation failures and webhook answers never carry the token',
    async () => {
      const token = makeTestToken('r8');
      const created = channelOf(
        await h.run({
          action: 'create',
          agentId: 'agent-r8',
          channel: { apiUrl: h.sandbox.apiUrl, token },
          activate: true,
        }),
      );
      const channelId = created.channel.id;
      // Bad input that names the token field: too long, wrong type, unknown fields next to it.
      await h.run({ action: 'update', channelId, changes: { token: `${token}${'x'.repeat(5000)}` } });
      await h.run({ action: 'update', channelId, changes: { token: [token] } });
      await h.run({
        action: 'create',
        agentId: 'agent-r8',
        channel: { apiUrl: h.sandbox.apiUrl, token, secret: token },
      });
      await h.run({ action: 'create', agentId: 'agent-r8', channel: { apiUrl: 'not a url', token } });
      // Activation failing on the token: Chat2Desk says the token is wrong, then is unreachable.
      const other = makeTestToken('r8-other');
      h.sandbox.sandbox.faults.inject({ path: /^\/v1\/companies\/api_info$/, status: 401, times: 1 });
      await h.run({
        action: 'create',
        agentId: 'agent-r8',
        channel: { apiUrl: h.sandbox.apiUrl, token: other },
        activate: true,
      });
      await h.run({
        action: 'create',
        agentId: 'agent-r8',
        channel: { apiUrl: 'http://127.0.0.1:9/nothing', token: makeTestToken('r8-unreachable') },
        activate: true,
      });
      // The same token on a second channel: the uniqueness check refuses it.
      await h.run({
        action: 'create',
        agentId: 'agent-r8',
        channel: { apiUrl: h.sandbox.apiUrl, token },
        activate: true,
      });
      await h.run({ action: 'get', channelId });
      await h.run({ action: 'list', agentId: 'agent-r8' });
      await h.run({
        action: 'send',
        channelId,
        chatId: '404404|chat2desk',
        replies: [{ type: 'text', text: 'hi' }],
      });
      await h.run({ action: 'deactivate', channelId });
      await h.run({ action: 'delete', channelId });

      // Webhook answers, accepted and rejected, signed with the right and a wrong token.
      const world = await startWorld({ events: ['inbox'] });
      await world.clientWrites('9001', 'hello');
      await world.settle({ until: () => world.botMessages('9001').length === 1 });
      const delivery = world.sandbox.deliveries[0]!;
      await world.replay({ ...delivery, signature: 'f'.repeat(64) });
      await world.replay({ ...delivery, body: `${delivery.body} ` });
      await world.replay({ ...delivery, url: `${delivery.url}x` });
      await world.replay({
        ...delivery,
        url: delivery.url.replace(/\/[^/]+$/, `/${randomBytes(8).toString('hex')}`),
      });
      const webhookResponses = world.responses.map((r) => r.body);
      const agentSaw = JSON.stringify(world.agent.events);
      await world.stop();

      const all = [...h.responses, ...webhookResponses];
      const leaks = all.filter((r) => r.includes(TEST_TOKEN_MARKER));
      const statuses = new Set(world.responses.map((r) => r.status));
      figure(
        `R8 no token: managementResponses=${h.responses.length} webhookResponses=${webhookResponses.length} (statuses ${[...statuses].sort().join(',')}) tokenInResponses=${leaks.length} tokenInAgentEvents=${agentSaw.includes(TEST_TOKEN_MARKER)} logLines=suite-wide scan at teardown`,
      );
      expect(leaks).toEqual([]);
      expect(agentSaw.includes(TEST_TOKEN_MARKER)).toBe(false);
      expect(statuses.has(401)).toBe(true);
      expect(statuses.has(404)).toBe(true);
    },
    drillTimeout(90_000),
  );
});
