/**
 * A person at the sandbox chat page, in headless Debian Chromium: sends a message, sees the bot's
 * reply, clicks one of the reply buttons and sees the answer to it. The whole connector runs behind
 * it (local stack in process: webhook → inbound queue → worker → demo agent → outbound queue → reply).
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type LocalStack, startLocalStack } from '../../infra/local/runtime/stack';
import { makeTestToken } from '../support/tokens';
import { createActiveChannel } from './helpers';

const CHROMIUM = '/usr/bin/chromium';

jest.setTimeout(90_000);

describe('sandbox chat page in a browser', () => {
  let stack: LocalStack | undefined;
  let browser: Browser | undefined;
  let page: Page;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      // A missing browser must fail the run, not skip it silently.
      throw new Error(
        `${CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium); .ci/run does it when it can`,
      );
    }
    stack = await startLocalStack({
      port: 0,
      inMemory: true,
      quiet: true,
      prefix: `browser-${process.pid}`,
      emulators: {
        dynamodbEndpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB!,
        sqsEndpoint: process.env.AWS_ENDPOINT_URL_SQS!,
      },
      report: () => undefined,
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('sends a message, shows the reply, and answers a clicked button', async () => {
    const base = stack!.url;
    const token = makeTestToken('browser');
    await createActiveChannel(base, token);

    await page.goto(`${base}/sandbox/`);
    await page.fill('#token', token);
    await page.fill('#client-id', '9001');
    await page.selectOption('#transport', 'telegram');
    await page.fill('#message', 'hello from the browser');
    await page.click('#send');

    await page.locator('#transcript .msg.in', { hasText: 'hello from the browser' }).waitFor();
    await page.locator('#transcript .msg.out', { hasText: 'You said: hello from the browser' }).waitFor();

    await page.fill('#message', '/buttons');
    await page.click('#send');
    const yes = page.locator('#transcript button.reply-button', { hasText: 'Yes' });
    await yes.first().waitFor();
    expect(await page.locator('#transcript button.reply-button').count()).toBeGreaterThanOrEqual(2);
    await yes.first().click();

    const answer = page.locator('#transcript .msg.out', { hasText: 'You said: Yes' });
    await answer.waitFor();
    expect(await answer.count()).toBe(1);
    // The click arrived as the client's message, in the transcript the sandbox keeps.
    const entries = stack!.sandbox.transcript(token, '9001');
    expect(entries.filter((m) => m.direction === 'in').map((m) => m.text)).toEqual([
      'hello from the browser',
      '/buttons',
      'Yes',
    ]);
  });
});
