/**
 * A person at the console (`/console/`) in headless Debian Chromium, with the whole connector
 * behind it: every seed button, the four activation checks with a failing one and its reason, a
 * field error next to its field, two tabs and VERSION_CONFLICT, the live counters, and the token
 * never in the page. Screenshots go to test-output/screenshots (docs/images with UPDATE_SCREENSHOTS=true).
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { LocalStack } from '../../infra/local/runtime/stack';
import { tokenRecorder } from '../support/tokens';
import { launchChromium, requireChromium, screenshotDir } from './browser';
import { clientSays, replyMatching, startTestStack } from './helpers';

jest.setTimeout(120_000);

let stack: LocalStack;
let browser: Browser;
const { token, all: tokens } = tokenRecorder();

let SHOTS: string;
beforeAll(async () => {
  requireChromium();
  stack = await startTestStack('console');
  browser = await launchChromium();
  SHOTS = screenshotDir();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function openConsole(agent: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(10_000);
  await page.goto(`${stack.url}/console/?agent=${agent}`);
  return page;
}

const button = (page: Page, name: string) => page.getByRole('button', { name, exact: true });
const checks = (page: Page) => page.getByRole('region', { name: 'Activation checks' });
const row = (page: Page, name: string) => page.getByRole('row', { name: `Channel ${name}` });

/** No token typed into the page is in its HTML or in any field after the command was sent. */
async function expectNoTokenIn(page: Page) {
  const html = await page.content();
  const values = await page
    .locator('input')
    .evaluateAll((inputs) => inputs.map((i) => (i as unknown as { value: string }).value));
  for (const t of tokens) {
    expect(html).not.toContain(t);
    expect(values.join('\n')).not.toContain(t);
  }
}

it('every seed button: CREATE, SAVE & ACTIVATE, APPLY, DEACTIVATE, SAVE, DELETE, CANCEL, CREATE & ACTIVATE', async () => {
  const page = await openConsole('demo');
  await button(page, 'Add channel').click();
  await expect(page.getByLabel('Name', { exact: true }).getAttribute('placeholder')).resolves.toBe(
    'New channel',
  );
  for (const label of ['Chat2Desk webhook URL', 'Chat2Desk token', 'Chat2Desk operator ID']) {
    await page.getByLabel(label, { exact: true }).waitFor();
  }
  await page.getByRole('switch', { name: 'Receive service messages' }).waitFor();
  await button(page, 'CANCEL').click();
  await page.getByRole('form').waitFor({ state: 'hidden' });

  // CREATE: saved, inactive, token masked.
  const first = token('console-first');
  await button(page, 'Add channel').click();
  await page.getByLabel('Name', { exact: true }).fill('Support bot');
  await page.getByLabel('Chat2Desk token', { exact: true }).fill(first);
  await button(page, 'CREATE').click();
  await row(page, 'Support bot').getByText('inactive').waitFor();
  await row(page, 'Support bot')
    .getByText(`••••${first.slice(-4)}`)
    .waitFor();
  expect(await page.getByLabel('Chat2Desk token', { exact: true }).inputValue()).toBe('');
  expect(await page.getByLabel('Chat2Desk token', { exact: true }).getAttribute('placeholder')).toBe(
    `••••${first.slice(-4)}`,
  );
  for (const name of ['SAVE', 'SAVE & ACTIVATE', 'DELETE', 'CANCEL']) await button(page, name).waitFor();

  // SAVE & ACTIVATE: the four conditions in the seed's words, all ✓.
  await page.getByRole('switch', { name: 'Receive service messages' }).check();
  await button(page, 'SAVE & ACTIVATE').click();
  await checks(page).getByText('✓ The channel webhook is registered successfully').waitFor();
  expect(await checks(page).getByRole('listitem').allTextContents()).toEqual([
    '✓ The agent is trained',
    '✓ The token in the Chat2Desk token field is unique',
    '✓ The channel address is accessible',
    '✓ The channel webhook is registered successfully',
  ]);
  await row(page, 'Support bot').getByText('active', { exact: true }).waitFor();
  expect(stack.sandbox.webhooks(first)).toHaveLength(1);

  // APPLY on the active channel.
  for (const name of ['APPLY', 'DEACTIVATE', 'DELETE', 'CANCEL']) await button(page, name).waitFor();
  await page.getByLabel('Name', { exact: true }).fill('Support bot 2');
  await button(page, 'APPLY').click();
  await row(page, 'Support bot 2').waitFor();
  await page.getByText('Changes applied.').waitFor();

  // The live counters: a client writes, the bot answers.
  await clientSays(stack.url, first, '7001', { text: 'hello console', transport: 'telegram' });
  await replyMatching(stack.url, first, '7001', 'You said: hello console');
  await row(page, 'Support bot 2')
    .getByText(/received 1 · answered 1/)
    .waitFor();
  await page.screenshot({ path: join(SHOTS, 'console.png') });

  // DEACTIVATE, SAVE, DELETE.
  await button(page, 'DEACTIVATE').click();
  await row(page, 'Support bot 2').getByText('inactive').waitFor();
  expect(stack.sandbox.webhooks(first)).toHaveLength(0);
  await page.getByLabel('Name', { exact: true }).fill('Support bot 3');
  await button(page, 'SAVE').click();
  await row(page, 'Support bot 3').waitFor();
  await button(page, 'DELETE').click();
  await page.getByText('Channel Support bot 3 deleted.').waitFor();
  expect(await row(page, 'Support bot 3').count()).toBe(0);
  expect(await manageList('demo')).not.toContain('Support bot 3');

  // CREATE & ACTIVATE in one go.
  const second = token('console-second');
  await button(page, 'Add channel').click();
  await page.getByLabel('Name', { exact: true }).fill('Sales bot');
  await page.getByLabel('Chat2Desk token', { exact: true }).fill(second);
  await button(page, 'CREATE & ACTIVATE').click();
  await checks(page).getByText('✓ The channel webhook is registered successfully').waitFor();
  await row(page, 'Sales bot').getByText('active', { exact: true }).waitFor();
  await expectNoTokenIn(page);
  await page.close();
});

async function manageList(agentId: string): Promise<string> {
  const response = await fetch(`${stack.url}/management`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ action: 'list', agentId }),
  });
  return response.text();
}

it('shows a failing check with its reason, field errors next to their fields, and the token never', async () => {
  const page = await openConsole('untrained-agent-9');
  const t = token('console-fail');
  await button(page, 'Add channel').click();
  await page.getByLabel('Chat2Desk webhook URL', { exact: true }).fill('not a url');
  await page.getByLabel('Chat2Desk token', { exact: true }).fill(t);
  await button(page, 'CREATE & ACTIVATE').click();
  const apiUrlError = page.locator('#err-apiUrl');
  await apiUrlError.getByText('Invalid URL').waitFor();
  expect(await page.getByLabel('Chat2Desk webhook URL', { exact: true }).getAttribute('aria-invalid')).toBe(
    'true',
  );
  expect(
    await page.getByLabel('Chat2Desk webhook URL', { exact: true }).getAttribute('aria-describedby'),
  ).toContain('err-apiUrl');

  await page.getByLabel('Chat2Desk webhook URL', { exact: true }).fill(`${stack.url}/sandbox`);
  await page.getByLabel('Chat2Desk token', { exact: true }).fill(`invalid-${t}`);
  tokens.push(`invalid-${t}`);
  await button(page, 'CREATE & ACTIVATE').click();
  await checks(page).getByText('Saved but not activated').waitFor();
  expect(await checks(page).getByRole('listitem').allTextContents()).toEqual([
    '✗ The agent is trained — agent untrained-agent-9 is not trained; train the agent, then activate the channel',
    '✓ The token in the Chat2Desk token field is unique',
    '✗ The channel address is accessible — Chat2Desk did not accept the token; copy the API token again (API and scripts → Show)',
    '✗ The channel webhook is registered successfully — not checked',
  ]);
  expect(await page.locator('#err-apiUrl').textContent()).toBe('');
  await page.screenshot({ path: join(SHOTS, 'console-checks.png') });
  await expectNoTokenIn(page);
  await page.close();
});

it('two tabs: the second save is VERSION_CONFLICT, shown as "changed elsewhere, reload"', async () => {
  const t = token('console-tabs');
  const one = await openConsole('tabs');
  await button(one, 'Add channel').click();
  await one.getByLabel('Name', { exact: true }).fill('Shared');
  await one.getByLabel('Chat2Desk token', { exact: true }).fill(t);
  await button(one, 'CREATE').click();
  await row(one, 'Shared').waitFor();

  const two = await openConsole('tabs');
  await row(two, 'Shared').click();
  await one.getByLabel('Name', { exact: true }).fill('Renamed in tab one');
  await button(one, 'SAVE').click();
  await row(one, 'Renamed in tab one').waitFor();

  await two.getByLabel('Name', { exact: true }).fill('Renamed in tab two');
  await button(two, 'SAVE').click();
  await two
    .getByRole('alert')
    .getByText(/changed elsewhere, reload/)
    .waitFor();
  await button(two, 'Reload').click();
  await two.getByText('Reloaded: the panel shows the channel as it is now.').waitFor();
  expect(await two.getByLabel('Name', { exact: true }).inputValue()).toBe('Renamed in tab one');
  await expectNoTokenIn(two);
  await one.close();
  await two.close();
});

it('APPLY to another API address asks for the token again, in plain words next to the token field', async () => {
  const t = token('console-move');
  const page = await openConsole('move');
  await button(page, 'Add channel').click();
  await page.getByLabel('Name', { exact: true }).fill('Moving bot');
  await page.getByLabel('Chat2Desk token', { exact: true }).fill(t);
  await button(page, 'CREATE & ACTIVATE').click();
  await checks(page).getByText('✓ The channel webhook is registered successfully').waitFor();

  // The same sandbox under another origin: another host as far as the token is concerned.
  const moved = `${stack.url.replace('127.0.0.1', 'localhost')}/sandbox`;
  await page.getByLabel('Chat2Desk webhook URL', { exact: true }).fill(moved);
  await page.getByText('the API address changed: type the token again').waitFor();
  await button(page, 'APPLY').click();
  await page.locator('#err-token').getByText('enter the token again when the API address changes').waitFor();
  expect(await page.getByLabel('Chat2Desk token', { exact: true }).getAttribute('aria-invalid')).toBe('true');
  const stored = JSON.parse(await manageList('move')) as { channels: { apiUrl: string }[] };
  expect(stored.channels.map((c) => c.apiUrl)).toEqual([`${stack.url}/sandbox`]);

  await page.getByLabel('Chat2Desk token', { exact: true }).fill(t);
  await button(page, 'APPLY').click();
  await page.getByText('Changes applied.').waitFor();
  await expectNoTokenIn(page);
  await page.close();
});

it('the chat page, for the README screenshot', async () => {
  // The token of the one-minute tour: the chat page shows its token field.
  const t = 'demo-token';
  const page = await openConsole('chat-shot');
  await button(page, 'Add channel').click();
  await page.getByLabel('Name', { exact: true }).fill('Chat demo');
  await page.getByLabel('Chat2Desk token', { exact: true }).fill(t);
  await button(page, 'CREATE & ACTIVATE').click();
  await checks(page).getByText('✓ The channel webhook is registered successfully').waitFor();
  await page.goto(`${stack.url}/sandbox/?token=${encodeURIComponent(t)}&client=4242&name=Maria`);
  await page.fill('#message', '/buttons');
  await page.click('#send');
  await page.locator('#transcript button.reply-button', { hasText: 'Yes' }).first().waitFor();
  await page.screenshot({ path: join(SHOTS, 'chat.png') });
  await page.close();
});
