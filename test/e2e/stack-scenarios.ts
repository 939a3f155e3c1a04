/**
 * The end-to-end scenarios of the local stack, as a user runs them: a channel created and
 * activated against the sandbox through POST /management, client messages through the sandbox
 * hooks, the bot's replies in the transcript. Run once with the functions in this process
 * (local-stack.test.ts) and once with the deployed bundles in their threads (deployed-bundles.test.ts).
 */
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../infra/local/runtime/stack';
import { makeTestToken } from '../support/tokens';
import {
  checkingAgentContract,
  clientSays,
  createActiveChannel,
  eventually,
  manage,
  replyMatching,
  settled,
  transcript,
} from './helpers';

export function describeStackScenarios(
  title: string,
  options: LocalStackOptions,
  more?: (current: () => { stack: LocalStack; lines: string[] }) => void,
): void {
  describe(title, () => {
    let stack: LocalStack;
    const lines: string[] = [];

    beforeAll(async () => {
      // The emulators of the test run (DynamoDB Local in memory, fauxqs): jest's VM cannot load the
      // ESM-only fauxqs, and the spawned `npm start` below starts its own emulators anyway.
      stack = checkingAgentContract(
        await startLocalStack({
          port: 0,
          inMemory: true,
          prefix: `e2e-${process.pid}`,
          emulators: {
            dynamodbEndpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB!,
            sqsEndpoint: process.env.AWS_ENDPOINT_URL_SQS!,
          },
          print: (l) => lines.push(l),
          report: (l) => lines.push(l),
          sandbox: { webhookRetryDelaysMs: [200, 500, 1000] },
          ...options,
        }),
      );
    });
    afterAll(async () => {
      await stack?.stop();
    });

    it('prints a line per step and answers /health', async () => {
      for (const name of [
        'http',
        'tables',
        'queues',
        'handlers',
        'pollers',
        ...(options.bundles ? ['bundles'] : []),
      ]) {
        expect(lines.some((l) => l.startsWith(name))).toBe(true);
      }
      const health = await fetch(`${stack.url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ ok: true });
    });

    it('answers a client: create and activate a channel, send a message, see the reply', async () => {
      const token = makeTestToken('e2e');
      const { result } = await createActiveChannel(stack.url, token);
      expect(JSON.stringify(result)).not.toContain(token);
      const activation = result.activation as { activated: boolean; checks: { name: string; ok: boolean }[] };
      expect(activation.activated).toBe(true);
      expect(activation.checks.map((c) => c.name)).toEqual([
        'agentTrained',
        'tokenUnique',
        'addressReachable',
        'webhookRegistered',
      ]);
      expect(stack.sandbox.webhooks(token)).toHaveLength(1);

      await clientSays(stack.url, token, '501', { text: 'hello bot', transport: 'telegram' });
      const reply = await replyMatching(stack.url, token, '501', 'You said: hello bot');
      expect(reply.transport).toBe('telegram');
      // The agent saw the channel variables of the seed's table.
      const seen = stack.agent.events.find((e) => e.event.clientMessage === 'hello bot');
      expect(seen?.event.variables.channel_visitor_id).toBe('501');
      expect(seen?.event.chatId).toBe('501|chat2desk');
    });

    it('keeps the order of one client and sends buttons', async () => {
      const token = makeTestToken('e2e-order');
      await createActiveChannel(stack.url, token);
      for (const text of ['one', 'two', 'three']) await clientSays(stack.url, token, '77', { text });
      await replyMatching(stack.url, token, '77', 'You said: three');
      const out = (await transcript(stack.url, token, '77')).filter((m) => m.direction === 'out');
      expect(out.map((m) => m.text)).toEqual(['You said: one', 'You said: two', 'You said: three']);

      await clientSays(stack.url, token, '77', { text: '/buttons' });
      const withButtons = await replyMatching(stack.url, token, '77', /Choose an answer/);
      expect(withButtons.buttons.map((b) => b.text)).toEqual(expect.arrayContaining(['Yes', 'No']));
    });

    it('sends an image as a file, and a long text in several messages', async () => {
      const token = makeTestToken('e2e-media');
      await createActiveChannel(stack.url, token);
      await clientSays(stack.url, token, '88', { text: '/image', transport: 'widget' });
      const image = await eventually(async () =>
        (await transcript(stack.url, token, '88')).find(
          (m) => m.direction === 'out' && m.attachments.length > 0,
        ),
      );
      expect(image.attachments[0]?.url).toBe(`${stack.url}/agent/static/demo.png`);

      await clientSays(stack.url, token, '88', { text: '/long', transport: 'widget' });
      const parts = await eventually(async () => {
        const out = (await transcript(stack.url, token, '88')).filter(
          (m) => m.direction === 'out' && m.attachments.length === 0 && m.text,
        );
        const total = out.reduce((n, m) => n + (m.text?.length ?? 0), 0);
        return total >= 4900 ? out : undefined;
      });
      expect(parts.length).toBeGreaterThan(1);
    });

    it('stays silent while a human has the dialog, and answers again once it is closed', async () => {
      const token = makeTestToken('e2e-operator');
      await createActiveChannel(stack.url, token);
      const { dialogId } = await clientSays(stack.url, token, '99', { text: '/operator' });
      await replyMatching(stack.url, token, '99', 'Connecting you to an operator');
      // The hand-over: a transfer call, or the dialog assigned to an operator.
      const transfers = () =>
        stack.sandbox.requests.filter(
          (r) =>
            r.status === 200 &&
            (/transfer/.test(r.path) || (r.method === 'PUT' && r.path.startsWith('/v1/dialogs/'))),
        );
      await eventually(async () => (transfers().length > 0 ? true : undefined));

      await clientSays(stack.url, token, '99', { text: 'are you a human?' });
      await settled(stack);
      const before = (await transcript(stack.url, token, '99')).filter((m) => m.direction === 'out');
      expect(before.some((m) => m.text?.includes('are you a human?'))).toBe(false);

      await stack.sandbox.closeDialog(token, dialogId);
      await clientSays(stack.url, token, '99', { text: 'back to the bot' });
      await replyMatching(stack.url, token, '99', 'You said: back to the bot');
    });

    it('rejects a forged webhook through the real webhook function, queueing nothing', async () => {
      const token = makeTestToken('e2e-forged');
      const { id, webhookUrl } = await createActiveChannel(stack.url, token);
      const forged = webhookUrl.replace(/\/[^/]+$/, '/1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
      const response = await fetch(forged, { method: 'POST', body: '{"hook_type":"inbox"}' });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      const got = await manage(stack.url, { action: 'get', channelId: id });
      expect(got.ok).toBe(true);
    });

    it('answers 400 to a management body that is not JSON', async () => {
      const response = await fetch(`${stack.url}/management`, { method: 'POST', body: 'create please' });
      expect(response.status).toBe(400);
    });

    more?.(() => ({ stack, lines }));
  });
}
