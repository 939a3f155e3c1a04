/**
 * `send` and `notify` with a caller key (`requestId`): the same key on the same channel within 24 h
 * queues nothing new and answers the first result; another command under the same key is refused;
 * concurrent duplicates queue once. DynamoDB Local, the SQS emulator and the Chat2Desk sandbox.
 */
import { composeChannelUseCases } from '../../../functions/channels/composition';
import { handleChannelCommand, type ManagementUseCases } from '../../../functions/channels/handler';
import { startSandboxServer } from '../../../infra/local/sandbox';
import { loadConfig } from '../../../shared/config';
import type { Channel } from '../../../shared/domain/channel';
import { createTestTable, type TestTable, testDocumentClient, testDynamoClient } from '../../support/aws';
import { storeTestChannel, testChannel } from '../../support/channels';
import { createTestQueues, type TestQueues } from '../../support/queues';
import { receiveAll } from '../../support/sqs-driver';
import { makeTestToken } from '../../support/tokens';

const REUSED =
  'this requestId was already used on this channel for a different command; send the same command again, or use a new requestId';

let table: TestTable;
let queues: TestQueues;
let sandbox: Awaited<ReturnType<typeof startSandboxServer>>;
let useCases: ManagementUseCases;
const db = testDocumentClient();

async function putChannel(status: Channel['status'] = 'active', id?: string): Promise<Channel> {
  const channel = testChannel({
    ...(id ? { id } : {}),
    apiUrl: sandbox.apiUrl,
    token: makeTestToken('key'),
    status,
  });
  await storeTestChannel(db, table.name, channel);
  return channel;
}

const run = (command: unknown) => handleChannelCommand(command, useCases);
const queued = async () => (await receiveAll(queues.outboundUrl, queues.client)).length;
const send = (channelId: string, extra: Record<string, unknown> = {}) => ({
  action: 'send',
  channelId,
  chatId: '500482964|chat2desk',
  replies: [
    { type: 'text', text: 'Your order is ready' },
    { type: 'text', text: 'Pick it up today' },
  ],
  ...extra,
});

beforeAll(async () => {
  table = await createTestTable();
  queues = await createTestQueues();
  sandbox = await startSandboxServer({ port: 0 });
  const config = loadConfig({
    TABLE_NAME: table.name,
    OUTBOUND_QUEUE_URL: queues.outboundUrl,
    PUBLIC_BASE_URL: 'https://connector.example.com',
    AGENT_API_URL: 'https://agents.example.com',
    AGENT_API_KEY: 'agent-key-for-tests',
    WEBHOOK_SECRET_KEY: 'webhook-key-for-tests',
    TOKEN_HASH_KEY: 'token-hash-key-for-tests',
    LOCAL_MODE: 'true',
  });
  useCases = await composeChannelUseCases(config, {
    documentClient: db,
    dynamoDbClient: testDynamoClient(),
    sqsClient: queues.client,
  });
});
afterAll(async () => {
  await sandbox.stop();
  await queues.drop();
  await table.drop();
});
beforeEach(async () => {
  await receiveAll(queues.outboundUrl, queues.client);
});

test('send: the same requestId again queues nothing new and answers the first result', async () => {
  const channel = await putChannel();
  const first = await run(send(channel.id, { requestId: 'order-42' }));
  expect(first).toMatchObject({ ok: true, queued: 2 });
  const again = await run(send(channel.id, { requestId: 'order-42' }));
  expect(again).toEqual(first);
  expect(await queued()).toBe(2);
  // Without a key every command is new.
  await run(send(channel.id));
  await run(send(channel.id));
  expect(await queued()).toBe(4);
});

test('notify: the same requestId again mails nothing new and answers the first result', async () => {
  const channel = await putChannel();
  const command = {
    action: 'notify',
    channelId: channel.id,
    phone: '+7 912 345-67-89',
    replies: [{ type: 'text', text: 'Your order 42 is ready' }],
    requestId: 'mailing-7',
  };
  const first = await run(command);
  expect(first).toMatchObject({ ok: true, queued: 1 });
  const chat2deskCalls = sandbox.sandbox.requests.length;
  expect(await run(command)).toEqual(first);
  expect(sandbox.sandbox.requests.length).toBe(chat2deskCalls);
  expect(await queued()).toBe(1);
});

test('another command under a used requestId is refused at requestId; nothing queued', async () => {
  const channel = await putChannel();
  await run(send(channel.id, { requestId: 'k-1' }));
  await queued();
  const other = await run(
    send(channel.id, { requestId: 'k-1', replies: [{ type: 'text', text: 'Something else' }] }),
  );
  expect(other).toEqual({
    ok: false,
    error: {
      code: 'VALIDATION_FAILED',
      message: REUSED,
      details: { issues: [{ path: 'requestId', message: REUSED }] },
    },
  });
  const notify = await run({
    action: 'notify',
    channelId: channel.id,
    phone: '79123456789',
    replies: [{ type: 'text', text: 'x' }],
    requestId: 'k-1',
  });
  expect(notify).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
  expect(await queued()).toBe(0);
});

test('keys are per channel: the same requestId on another channel is another command', async () => {
  const a = await putChannel();
  const b = await putChannel();
  const onA = await run(send(a.id, { requestId: 'shared-key' }));
  const onB = await run(send(b.id, { requestId: 'shared-key' }));
  expect(onA).toMatchObject({ ok: true });
  expect(onB).toMatchObject({ ok: true });
  expect((onB as { eventId: string }).eventId).not.toBe((onA as { eventId: string }).eventId);
  expect(await queued()).toBe(4);
});

test('concurrent duplicates queue once', async () => {
  const channel = await putChannel();
  const results = await Promise.all(
    Array.from({ length: 6 }, () => run(send(channel.id, { requestId: 'burst' }))),
  );
  const done = results.filter((r) => r.ok) as { eventId: string }[];
  expect(done.length).toBeGreaterThanOrEqual(1);
  expect(new Set(done.map((r) => r.eventId)).size).toBe(1);
  for (const r of results.filter((x) => !x.ok)) {
    expect(r).toMatchObject({ ok: false, error: { code: 'REQUEST_IN_PROGRESS' } });
  }
  expect(await queued()).toBe(2);
  // Once the first finished, a repeat gets its result.
  expect(await run(send(channel.id, { requestId: 'burst' }))).toEqual(done[0]);
});

test('a refused command is not remembered: the same key works once the channel is active', async () => {
  const channel = await putChannel('inactive');
  const refused = await run(send(channel.id, { requestId: 'after-activation' }));
  expect(refused).toMatchObject({ ok: false, error: { code: 'CHANNEL_INACTIVE' } });
  await putChannel('active', channel.id);
  expect(await run(send(channel.id, { requestId: 'after-activation' }))).toMatchObject({
    ok: true,
    queued: 2,
  });
  expect(await queued()).toBe(2);
});

test('a malformed requestId is refused at requestId', async () => {
  const channel = await putChannel();
  const result = await run(send(channel.id, { requestId: 'two words' }));
  expect(result).toMatchObject({
    ok: false,
    error: { code: 'VALIDATION_FAILED', details: { issues: [{ path: 'requestId' }] } },
  });
  expect(await queued()).toBe(0);
});
