/**
 * The sandbox chat page in headless Debian Chromium. A minimal bot stands in for the connector: it
 * receives the sandbox's inbox webhooks, asks the demo agent's reply function and answers through
 * the sandbox API (the full connector is exercised by the local stack's end-to-end test).
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { demoReplies } from '../../../infra/local/demo-agent';
import { startSandboxServer } from '../../../infra/local/sandbox';
import { makeTestToken } from '../../support/tokens';
import { api, type Receiver, startReceiver } from './receiver';

const CHROMIUM = '/usr/bin/chromium';
const describeBrowser = existsSync(CHROMIUM) ? describe : describe.skip;

describeBrowser('chat page', () => {
  let server: Awaited<ReturnType<typeof startSandboxServer>>;
  let receiver: Receiver;
  let browser: Browser;
  const token = makeTestToken('page');

  beforeAll(async () => {
    server = await startSandboxServer();
    receiver = await startReceiver();
    receiver.respondWith((delivery) => {
      const event = delivery.body;
      if (event.hook_type !== 'inbox') return 200;
      const replies = demoReplies(
        {
          eventId: String(event.message_id),
          channel: { id: 'page', type: 'chat2desk' },
          chatId: `${event.client_id}|chat2desk`,
          clientMessage: typeof event.text === 'string' ? event.text : '',
          attachments: [],
          variables: {},
        },
        'https://files.example.com/agent',
      );
      void (async () => {
        for (const reply of replies) {
          if (reply.type === 'text') {
            await api(server.apiUrl, token, 'POST', '/v1/messages', {
              client_id: event.client_id,
              text: reply.text,
              operator_id: 1001,
              ...(reply.buttons
                ? {
                    keyboard: {
                      buttons: reply.buttons.map((b) =>
                        b.url ? { type: 'url', text: b.text, url: b.url } : { type: 'reply', text: b.text },
                      ),
                    },
                  }
                : {}),
            });
          }
        }
      })();
      return 200;
    });
    await api(server.apiUrl, token, 'POST', '/v1/webhooks', {
      name: 'bot',
      url: receiver.url(),
      events: ['inbox'],
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await receiver?.stop();
  });

  it('sends a message, shows the reply, and a reply button sends its text', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${server.url}/?token=${encodeURIComponent(token)}&client=424242&transport=widget`);
      await page.fill('#message', 'hello bot');
      await page.click('#send');
      await page
        .locator('#transcript .msg.out', { hasText: 'You said: hello bot' })
        .waitFor({ timeout: 10_000 });
      expect(await page.locator('#transcript .msg.in').first().textContent()).toContain('hello bot');

      await page.fill('#message', '/buttons');
      await page.press('#message', 'Enter');
      const yes = page.locator('#transcript button.reply-button', { hasText: 'Yes' });
      await yes.waitFor({ timeout: 10_000 });
      // The widget shows the seed's markdown: "*demo*" is italic.
      expect(await page.locator('#transcript .msg.out i', { hasText: 'demo' }).count()).toBe(1);
      expect(await page.locator('#transcript a.url-button').getAttribute('href')).toBe(
        'https://example.com/docs',
      );
      await yes.click();
      await page.locator('#transcript .msg.out', { hasText: 'You said: Yes' }).waitFor({ timeout: 10_000 });

      await page.click('#close-dialog');
      await page.locator('#dialog-status', { hasText: 'closed' }).waitFor({ timeout: 10_000 });
      expect(server.sandbox.transcript(token, '424242').map((m) => [m.direction, m.text])).toEqual([
        ['in', 'hello bot'],
        ['out', 'You said: hello bot'],
        ['in', '/buttons'],
        ['out', 'Do you like this *demo*? Choose an answer:'],
        ['in', 'Yes'],
        ['out', 'You said: Yes'],
      ]);
    } finally {
      await page.close();
    }
  }, 60_000);
});
