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
  await apiUrlError.getByText('must be a web address, such as https://api.chat2desk.com').waitFor();
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

/** The next refresh of the list and then two of the counters, each of which renders the rows. */
async function refreshCycles(page: Page) {
  await page.waitForResponse(
    (r) => r.url().endsWith('/management') && (r.request().postData() ?? '').includes('"list"'),
    { timeout: 15_000 },
  );
  for (let i = 0; i < 2; i++) {
    await page.waitForResponse((r) => r.url().endsWith('/local/counters'), { timeout: 15_000 });
  }
  // The render follows the response's body; one more frame for it.
  await page.evaluate(
    () =>
      new Promise((done) =>
        (globalThis as unknown as { requestAnimationFrame(run: () => void): void }).requestAnimationFrame(
          () => done(null),
        ),
      ),
  );
}

it('field errors in plain words next to their fields, whatever the command (channel.* or changes.*)', async () => {
  const page = await openConsole('plain-words');
  await button(page, 'Add channel').click();
  await page.getByLabel('Chat2Desk webhook URL', { exact: true }).fill('not a url');
  await page.getByLabel('Chat2Desk operator ID', { exact: true }).fill('abc');
  await button(page, 'CREATE').click();
  await page.locator('#err-token').getByText('required', { exact: true }).waitFor();
  expect(await page.locator('#err-apiUrl').textContent()).toBe(
    'must be a web address, such as https://api.chat2desk.com',
  );
  expect(await page.locator('#err-operatorId').textContent()).toBe('must be a number');
  expect(await page.getByLabel('Chat2Desk token', { exact: true }).getAttribute('aria-invalid')).toBe('true');
  expect(await page.getByRole('alert').textContent()).toBe('Not saved: correct the fields marked below.');

  // An existing channel: the same words for an issue at `changes.<field>`.
  const t = token('console-plain');
  await page.getByLabel('Chat2Desk webhook URL', { exact: true }).fill(`${stack.url}/sandbox`);
  await page.getByLabel('Chat2Desk operator ID', { exact: true }).fill('');
  await page.getByLabel('Chat2Desk token', { exact: true }).fill(t);
  await button(page, 'CREATE').click();
  await button(page, 'SAVE').waitFor();
  expect(await page.locator('#err-token').textContent()).toBe('');
  await page.getByLabel('Chat2Desk token', { exact: true }).fill('two words');
  await button(page, 'SAVE').click();
  await page
    .locator('#err-token')
    .getByText('must have no spaces: copy the token exactly as Chat2Desk shows it')
    .waitFor();
  await page.getByLabel('Chat2Desk operator ID', { exact: true }).fill('12x');
  await button(page, 'SAVE').click();
  await page.locator('#err-operatorId').getByText('must be a number', { exact: true }).waitFor();
  expect(await page.locator('#err-token').textContent()).toBe('');
  await expectNoTokenIn(page);
  await page.close();
});

it('the new-channel panel shows no counters of the channel viewed before', async () => {
  const page = await openConsole('new-after-view');
  const t = token('console-counters');
  await button(page, 'Add channel').click();
  await page.getByLabel('Name', { exact: true }).fill('Counted');
  await page.getByLabel('Chat2Desk token', { exact: true }).fill(t);
  await button(page, 'CREATE').click();
  const counters = page.getByRole('form').getByText('Messages received');
  await counters.waitFor();
  await button(page, 'Add channel').click();
  await page.getByRole('heading', { name: 'New channel' }).waitFor();
  await refreshCycles(page);
  expect(await counters.isVisible()).toBe(false);
  expect(await page.locator('#panel-counters').isVisible()).toBe(false);
  await page.close();
});

it('refreshes patch the rows in place: a focused row keeps its focus and stays the same node', async () => {
  const page = await openConsole('focus-kept');
  for (const name of ['First row', 'Second row']) {
    await button(page, 'Add channel').click();
    await page.getByLabel('Name', { exact: true }).fill(name);
    await page.getByLabel('Chat2Desk token', { exact: true }).fill(token('console-focus'));
    await button(page, 'CREATE').click();
    await row(page, name).waitFor();
  }
  await button(page, 'CANCEL').click();
  const focused = await row(page, 'First row').elementHandle();
  await focused?.focus();
  await refreshCycles(page);
  await refreshCycles(page);
  // In the page (no DOM types here): is the focused element still that row, in the document?
  const kept = await page.evaluate((before) => {
    type Node = { isConnected: boolean; getAttribute(name: string): string | null };
    const active = (globalThis as unknown as { document: { activeElement: Node | null } }).document
      .activeElement;
    return {
      same: active === (before as unknown),
      connected: (before as unknown as Node).isConnected,
      label: active?.getAttribute('aria-label') ?? null,
    };
  }, focused);
  expect(kept).toEqual({ same: true, connected: true, label: 'Channel First row' });
  // The keyboard still works on it: Enter opens that channel.
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'First row' }).waitFor();
  await page.close();
});

it('a notice about a channel of another agent goes away when the agent changes', async () => {
  const page = await openConsole('notice-one');
  await button(page, 'Add channel').click();
  await page.getByLabel('Name', { exact: true }).fill('Agent one bot');
  await page.getByLabel('Chat2Desk token', { exact: true }).fill(token('console-notice'));
  await button(page, 'CREATE').click();
  const created = page.getByRole('alert').getByText('Channel Agent one bot created (inactive).');
  await created.waitFor();
  await page.getByLabel('Agent', { exact: true }).fill('notice-two');
  await page.getByLabel('Agent', { exact: true }).press('Tab');
  await page.getByText('No channels yet').waitFor();
  expect(await page.getByRole('alert').isVisible()).toBe(false);
  expect(await created.count()).toBe(0);
  await page.close();
});

it("a late answer changes only the panel it came from: nothing of agent one's channel shows for agent two", async () => {
  const page = await openConsole('late-one');
  let release: () => void = () => undefined;
  const held = new Promise<void>((done) => {
    release = done;
  });
  const isCreate = (body: string | null) => (body ?? '').includes('"create"');
  // The create command leaves the page only once the person has moved on to another agent.
  await page.route('**/management', async (route) => {
    if (isCreate(route.request().postData())) await held;
    await route.continue();
  });
  await button(page, 'Add channel').click();
  await page.getByLabel('Name', { exact: true }).fill('Late bot');
  await page.getByLabel('Chat2Desk token', { exact: true }).fill(token('console-late'));
  await button(page, 'CREATE').click();
  await page.getByLabel('Agent', { exact: true }).fill('late-two');
  await page.getByLabel('Agent', { exact: true }).press('Tab');
  await page.getByText('No channels yet').waitFor();
  const answered = page.waitForResponse(
    (r) => r.url().endsWith('/management') && isCreate(r.request().postData()),
  );
  release();
  expect((await (await answered).json()).ok).toBe(true);
  await refreshCycles(page);
  expect(await page.getByRole('form').isVisible()).toBe(false);
  expect(await page.getByRole('alert').isVisible()).toBe(false);
  expect(await row(page, 'Late bot').count()).toBe(0);
  await page.close();
});

it("shows the bot operator's status on the channel's row, patched in place", async () => {
  const page = await openConsole('bot-operator');
  const t = token('console-operator');
  await button(page, 'Add channel').click();
  await page.getByLabel('Name', { exact: true }).fill('Operator watched');
  await page.getByLabel('Chat2Desk token', { exact: true }).fill(t);
  await page.getByLabel('Chat2Desk operator ID', { exact: true }).fill('1001');
  await button(page, 'CREATE & ACTIVATE').click();
  await row(page, 'Operator watched').getByText('active', { exact: true }).waitFor();
  const before = await row(page, 'Operator watched').elementHandle();

  await stack.sandbox.setOperatorStatus(t, '1001', { online: 0, offline_type: 'inactive' });
  await row(page, 'Operator watched')
    .getByText(/bot operator OFFLINE \(inactive\) since /)
    .waitFor({ timeout: 20_000 });
  await stack.sandbox.setOperatorStatus(t, '1001', { online: 1, offline_type: null });
  await row(page, 'Operator watched')
    .getByText(/bot operator online/)
    .waitFor({ timeout: 20_000 });
  expect(await before?.evaluate((node) => (node as unknown as { isConnected: boolean }).isConnected)).toBe(
    true,
  );
  await expectNoTokenIn(page);
  await page.close();
});
