/**
 * A person at the sandbox chat page, in headless Debian Chromium: sends a message, sees the bot's
 * reply, clicks one of the reply buttons and sees the answer to it. The whole connector runs behind
 * it (local stack in process: webhook → inbound queue → worker → demo agent → outbound queue → reply).
 */
import type { Browser, Page } from 'playwright-core';
import type { LocalStack } from '../../infra/local/runtime/stack';
import { makeTestToken } from '../support/tokens';
import { launchChromium, requireChromium } from './browser';
import { createActiveChannel, startTestStack } from './helpers';

jest.setTimeout(90_000);

describe('sandbox chat page in a browser', () => {
  let stack: LocalStack | undefined;
  let browser: Browser | undefined;
  let page: Page;

  beforeAll(async () => {
    requireChromium();
    stack = await startTestStack('browser');
    browser = await launchChromium();
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

  it("shows a client's file once, whatever fields the sandbox fills for it", async () => {
    const base = stack!.url;
    const token = makeTestToken('browser-file');
    await createActiveChannel(base, token);
    await page.goto(`${base}/sandbox/`);
    await page.fill('#token', token);
    await page.fill('#client-id', '9002');
    await page.fill('#message', 'my invoice');
    await page.fill('#attachment-url', 'https://files.example.com/invoice.pdf');
    await page.click('#send');

    const mine = page.locator('#transcript .msg.in', { hasText: 'my invoice' });
    await mine.waitFor();
    await page.locator('#transcript .msg.out', { hasText: 'You said: my invoice' }).waitFor();
    expect(await mine.locator('a.file-link').allTextContents()).toEqual(['📎 invoice.pdf']);
    expect(await page.locator('#transcript a[href="https://files.example.com/invoice.pdf"]').count()).toBe(1);
  });
});
