import { composeChannelUseCases } from '../../../functions/channels/composition';
import { handleChannelCommand, type ManagementUseCases } from '../../../functions/channels/handler';
import { loadConfig } from '../../../shared/config';
import type { Channel } from '../../../shared/domain/channel';
import type { OutboundQueueMessage } from '../../../shared/domain/queue-messages';
import { createTestTable, type TestTable, testDocumentClient } from '../../support/aws';
import { storeTestChannel, testChannel } from '../../support/channels';
import { createTestQueues, type TestQueues } from '../../support/queues';
import { receiveAll } from '../../support/sqs-driver';
import { makeTestToken } from '../../support/tokens';

let table: TestTable;
let queues: TestQueues;
let useCases: ManagementUseCases;
const db = testDocumentClient();

async function putChannel(status: Channel['status']): Promise<Channel> {
  const channel = testChannel({
    name: 'Send test',
    apiUrl: 'https://api.chat2desk.com',
    token: makeTestToken('send'),
    status,
  });
  await storeTestChannel(db, table.name, channel);
  return channel;
}

beforeAll(async () => {
  table = await createTestTable();
  queues = await createTestQueues();
  const config = loadConfig({
    TABLE_NAME: table.name,
    OUTBOUND_QUEUE_URL: queues.outboundUrl,
    PUBLIC_BASE_URL: 'https://connector.example.com',
    AGENT_API_URL: 'https://agents.example.com',
    AGENT_API_KEY: 'agent-key-for-tests',
    WEBHOOK_SECRET_KEY: 'webhook-key-for-tests',
    TOKEN_HASH_KEY: 'token-hash-key-for-tests',
  });
  useCases = await composeChannelUseCases(config, { documentClient: db, sqsClient: queues.client });
});
afterAll(async () => {
  await queues.drop();
  await table.drop();
});

test('queues the replies in order for the chat, with a fresh send event id', async () => {
  const channel = await putChannel('active');
  const result = await handleChannelCommand(
    {
      action: 'send',
      channelId: channel.id,
      chatId: '500482964|chat2desk',
      replies: [
        { type: 'text', text: 'Hello again!' },
        { type: 'file', url: 'https://files.example.com/a.pdf' },
        { type: 'text', text: 'Anything else?', buttons: [{ text: 'No' }] },
      ],
    },
    useCases,
  );
  expect(result).toEqual({ ok: true, queued: 3, eventId: expect.stringMatching(/^send:[0-9a-f-]{36}$/) });
  const queued = (await receiveAll(queues.outboundUrl, queues.client)).map(
    (m) => JSON.parse(m.Body!) as OutboundQueueMessage,
  );
  expect(queued.map((m) => [m.index, m.reply.type, m.target])).toEqual([
    [0, 'text', { clientId: '500482964' }],
    [1, 'file', { clientId: '500482964' }],
    [2, 'text', { clientId: '500482964' }],
  ]);
  const eventId = (result as { eventId: string }).eventId;
  expect(queued.every((m) => m.channelId === channel.id && m.eventId === eventId)).toBe(true);
  expect(queued.map((m) => m.replyId)).toEqual([`${eventId}:0`, `${eventId}:1`, `${eventId}:2`]);
});

describe('refuses, changing nothing', () => {
  test.each([
    ['a chat id of another channel type', { chatId: '500482964|telegram' }, 'VALIDATION_FAILED', 'chatId'],
    ['a non-numeric client id', { chatId: 'abc|chat2desk' }, 'VALIDATION_FAILED', 'chatId'],
    ['an invalid reply', { replies: [{ type: 'text', text: '' }] }, 'VALIDATION_FAILED', 'replies.0.text'],
    ['no replies', { replies: [] }, 'VALIDATION_FAILED', 'replies'],
    ['an unknown field', { extra: 1 }, 'VALIDATION_FAILED', 'extra'],
  ])('%s', async (_name, change, code, path) => {
    const channel = await putChannel('active');
    const command = {
      action: 'send',
      channelId: channel.id,
      chatId: '500482964|chat2desk',
      replies: [{ type: 'text', text: 'x' }],
      ...change,
    };
    const result = await handleChannelCommand(command, useCases);
    expect(result).toMatchObject({ ok: false, error: { code } });
    const issues = (result as { error: { details?: { issues: { path: string }[] } } }).error.details?.issues;
    expect(issues?.map((i) => i.path)).toContain(path);
    expect(await receiveAll(queues.outboundUrl, queues.client)).toEqual([]);
  });

  test('an unknown channel: NOT_FOUND', async () => {
    const result = await handleChannelCommand(
      {
        action: 'send',
        channelId: 'no-such-channel',
        chatId: '1|chat2desk',
        replies: [{ type: 'text', text: 'x' }],
      },
      useCases,
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await receiveAll(queues.outboundUrl, queues.client)).toEqual([]);
  });

  test('an inactive channel: CHANNEL_INACTIVE', async () => {
    const channel = await putChannel('inactive');
    const result = await handleChannelCommand(
      {
        action: 'send',
        channelId: channel.id,
        chatId: '1|chat2desk',
        replies: [{ type: 'text', text: 'x' }],
      },
      useCases,
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'CHANNEL_INACTIVE' } });
    expect(await receiveAll(queues.outboundUrl, queues.client)).toEqual([]);
  });
});
