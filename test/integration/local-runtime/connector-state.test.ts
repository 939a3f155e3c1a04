/**
 * The local-only state routes (`/local/counters`, `/local/bot-muted`) against stand-ins of the
 * ports and a real SQS emulator: counters from log lines and webhook outcomes, dead letters by
 * channel, the bot's mute state by account token, and clear 4xx for bad requests.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  botMuteKey,
  createConnectorStateApp,
  createCounterBook,
  observeLogger,
} from '../../../infra/local/runtime/connector-state';
import type { Channel } from '../../../shared/domain/channel';

const sqs = new SQSClient({ endpoint: process.env.AWS_ENDPOINT_URL_SQS, useQueueUrlAsEndpoint: false });
let server: Server;
let base: string;
const book = createCounterBook();
const active: Channel = {
  id: 'ch-1',
  agentId: 'a',
  type: 'chat2desk',
  name: 'n',
  apiUrl: 'http://127.0.0.1/sandbox',
  token: 'desk-token-123456',
  serviceMessages: false,
  requireSignature: false,
  status: 'active',
  generation: 1,
  version: 2,
  createdAt: '',
  updatedAt: '',
};

beforeAll(async () => {
  const name = (n: string) => `state-${process.pid}-${n}-dlq.fifo`;
  const queue = async (n: string) =>
    (
      await sqs.send(
        new CreateQueueCommand({
          QueueName: name(n),
          Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' },
        }),
      )
    ).QueueUrl!;
  const inbound = await queue('in');
  const outbound = await queue('out');
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: inbound,
      MessageBody: JSON.stringify({ v: 1, channelId: 'ch-1' }),
      MessageGroupId: 'g',
    }),
  );
  const app = createConnectorStateApp({
    book,
    channels: {
      tokenLockOwner: async (token) => (token === active.token ? active.id : undefined),
      get: async (id) => (id === active.id ? active : undefined),
    },
    conversations: {
      find: async (_channelId, ref) =>
        ref.clientId === '501'
          ? {
              dialogId: '9001',
              clientId: '501',
              status: { state: 'human', reason: 'operatorMessage', atMs: Date.now(), rank: 1 },
            }
          : undefined,
    },
    sqs,
    deadLetterQueues: { inbound, outbound },
  });
  server = createServer((req, res) => {
    app.handle(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => {
    server.close(resolve);
    server.closeAllConnections();
  });
  sqs.destroy();
});

it('counts accepted inbox events, the functions’ outcome log lines and dead letters per channel', async () => {
  const logger = new Logger({ serviceName: 'state-test', logLevel: 'ERROR' });
  const stop = observeLogger(logger, book);
  book.observeWebhook('ch-1', 200, Buffer.from('{"hook_type":"inbox"}'));
  book.observeWebhook('ch-1', 200, Buffer.from('{"hook_type":"outbox"}'));
  book.observeWebhook('ch-1', 401, Buffer.from('{"hook_type":"inbox"}'));
  logger.info('inbound event answered', { channelId: 'ch-1' });
  logger.info('inbound event skipped', { channelId: 'ch-1', reason: 'OwnEcho' });
  logger.info('inbound event skipped', { channelId: 'ch-1', reason: 'OwnEcho' });
  logger.warn('reply skipped', { channelId: 'ch-1', reason: 'withHuman' });
  logger.info('reply delivered', { channelId: 'ch-1' });
  logger.warn('reply refused by the messenger', { channelId: 'ch-1', replyId: 'r1', reason: 'window' });
  stop();
  logger.info('inbound event answered', { channelId: 'ch-1' }); // after the undo: not counted
  const counters = (await (await fetch(`${base}/local/counters`)).json()) as {
    channels: Record<string, unknown>;
  };
  expect(counters.channels['ch-1']).toEqual({
    received: 1,
    answered: 1,
    skipped: { OwnEcho: 2 },
    repliesSent: 1,
    repliesSkipped: { withHuman: 1 },
    deliveryFailures: 1,
    deadLetters: { inbound: 1, outbound: 0 },
  });
});

it('answers the bot state of a dialog by account token; refuses what it cannot answer', async () => {
  const ask = (query: string, token?: string) =>
    fetch(`${base}/local/bot-muted?${query}`, token ? { headers: { authorization: token } } : {});
  const muted = await ask('clientId=501&dialogId=9001', active.token);
  expect(muted.status).toBe(200);
  expect(await muted.json()).toEqual({
    channelId: 'ch-1',
    dialogId: '9001',
    muted: true,
    state: 'human',
    reason: 'operatorMessage',
    since: expect.any(String),
  });
  expect(await (await ask('clientId=502', active.token)).json()).toEqual({ channelId: 'ch-1', muted: false });
  expect((await ask('clientId=501')).status).toBe(400);
  expect((await ask('clientId=abc', active.token)).status).toBe(400);
  const unknown = await ask('clientId=501', 'another-token-123456');
  expect(unknown.status).toBe(404);
  expect(await unknown.text()).not.toContain('another-token');
  expect(botMuteKey({ clientId: '501' })).toEqual({ clientId: '501' });
});
