/**
 * A human operator at the sandbox's operator desk, in headless Debian Chromium, with the whole
 * connector behind it: takes a client's dialog from the bot, writes to the client, the bot stays
 * silent (the desk shows it muted), closes the dialog, and the bot answers again.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { LocalStack } from '../../infra/local/runtime/stack';
import { makeTestToken } from '../support/tokens';
import { launchChromium, requireChromium, screenshotDir } from './browser';
import { clientSays, createActiveChannel, replyMatching, settled, startTestStack } from './helpers';

jest.setTimeout(120_000);

let stack: LocalStack;
let browser: Browser;

let SHOTS: string;
beforeAll(async () => {
  requireChromium();
  stack = await startTestStack('desk');
  browser = await launchChromium();
  SHOTS = screenshotDir();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const button = (page: Page, name: string) => page.getByRole('button', { name, exact: true });
const botState = (page: Page) => page.getByRole('status', { name: 'Bot state' });
const botSaid = (clientId: string, text: string) =>
  stack.sandbox.transcript(token, clientId).filter((m) => m.direction === 'out' && m.text === text);
let token: string;

it('take, write, the bot silent, close, the bot answers', async () => {
  token = makeTestToken('desk');
  await createActiveChannel(stack.url, token);
  await clientSays(stack.url, token, '8801', { text: 'hi bot', transport: 'telegram' });
  await replyMatching(stack.url, token, '8801', 'You said: hi bot');

  // The chat page links to the desk of the same account and client.
  const chat = await browser.newPage();
  await chat.goto(`${stack.url}/sandbox/?token=${encodeURIComponent(token)}&client=8801`);
  const href = await chat.getByRole('link', { name: 'Operator desk' }).getAttribute('href');
  expect(href).toBe(`/sandbox/operator/?token=${encodeURIComponent(token)}&client=8801`);
  await chat.close();

  const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
  page.setDefaultTimeout(10_000);
  await page.goto(`${stack.url}${href}`);
  await page.getByRole('button', { name: /Client 8801 \(8801\)/ }).click();
  await page.getByLabel('Transcript').getByText('You said: hi bot').waitFor();
  await botState(page).getByText('bot: answering').waitFor();

  // Take dialog: assigned to Anna Petrova (dialog_transferred) — the connector mutes the bot.
  await page.getByLabel('Operator').selectOption('1002');
  await button(page, 'Take dialog').click();
  await page
    .getByText(/· open · Anna Petrova/)
    .first()
    .waitFor();
  await botState(page)
    .getByText(/bot: muted/)
    .waitFor();

  // Write as the operator: an outbox from 1002 reaches the client.
  await page.getByLabel('Message').fill('Anna here, how can I help?');
  await button(page, 'Send as operator').click();
  await page.getByLabel('Transcript').getByText('Anna here, how can I help?').waitFor();
  const sent = stack.sandbox.transcript(token, '8801').find((m) => m.text === 'Anna here, how can I help?');
  expect(sent?.operatorId).toBe('1002');

  // The client writes while the human holds the dialog: the bot stays silent.
  await clientSays(stack.url, token, '8801', { text: 'where is my order?', transport: 'telegram' });
  await settled(stack);
  expect(botSaid('8801', 'You said: where is my order?')).toEqual([]);
  await page.getByLabel('Transcript').getByText('where is my order?').waitFor();
  await page.screenshot({ path: join(SHOTS, 'operator-desk.png') });

  // Close dialog: the bot is back and answers the next message.
  await button(page, 'Close dialog').click();
  await page
    .getByText(/· closed ·/)
    .first()
    .waitFor();
  await botState(page).getByText('bot: answering').waitFor();
  await clientSays(stack.url, token, '8801', { text: 'one more thing', transport: 'telegram' });
  await replyMatching(stack.url, token, '8801', 'You said: one more thing');
  await page.getByLabel('Transcript').getByText('You said: one more thing').waitFor();
  expect(await page.content()).not.toContain('Token is not correct');
  await page.close();
});

it('transfers a dialog to a group; another token shows the desk of that (empty) account', async () => {
  await clientSays(stack.url, token, '8802', { text: 'sales please', transport: 'telegram' });
  await replyMatching(stack.url, token, '8802', 'You said: sales please');
  const page = await browser.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(`${stack.url}/sandbox/operator/?token=${encodeURIComponent(token)}&client=8802`);
  await page.getByLabel('Transcript').getByText('You said: sales please').waitFor();
  await page.getByLabel('Group').selectOption('502');
  await button(page, 'Transfer to group').click();
  // Sales has one operator, Boris Ivanov.
  await page
    .getByText(/· open · Boris Ivanov/)
    .first()
    .waitFor();
  await botState(page)
    .getByText(/bot: muted/)
    .waitFor();

  await page.getByLabel('Account token').fill(makeTestToken('desk-other'));
  await page.getByLabel('Account token').dispatchEvent('change');
  await page.getByText('No dialogs yet').waitFor();
  await page.close();
});

it('shows the bot’s note, the tags and the client card it collected', async () => {
  await clientSays(stack.url, token, '8803', { text: '/tag vip', transport: 'telegram' });
  await replyMatching(stack.url, token, '8803', 'Tagged: vip');
  await clientSays(stack.url, token, '8803', { text: '/name Maria', transport: 'telegram' });
  await replyMatching(stack.url, token, '8803', 'Nice to meet you, Maria');
  await clientSays(stack.url, token, '8803', { text: '/handoff 1002', transport: 'telegram' });
  await replyMatching(stack.url, token, '8803', 'Connecting you to an operator');
  const page = await browser.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(`${stack.url}/sandbox/operator/?token=${encodeURIComponent(token)}&client=8803`);
  const note = page.getByLabel('Transcript').getByText('The client asked for a human from the demo bot.');
  await note.waitFor();
  expect(await note.evaluate((node) => node.closest('.msg')?.className)).toBe('msg internal');
  await page.getByLabel('Client card').getByText('vip').waitFor();
  await page.getByText('Maria (8803)').first().waitFor();
  await page.close();
});
