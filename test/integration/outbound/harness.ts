/**
 * One outbound test world: the Chat2Desk sandbox on a free port, a fresh table with an active
 * channel pointing at it, fresh FIFO queues, and the reply function built on them.
 */
import { randomInt } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { buildReplyDeps } from '../../../functions/reply/composition';
import { createReplyHandler } from '../../../functions/reply/handler';
import { BOT_OPERATOR_ID, SANDBOX_CHANNEL_ID, startSandboxServer } from '../../../infra/local/sandbox/index';
import type { SandboxOptions } from '../../../infra/local/sandbox/types';
import { createConversationStore } from '../../../shared/adapters/dynamodb/conversation-store';
import { createOutboundQueue } from '../../../shared/adapters/sqs/outbound-queue';
import { loadConfig } from '../../../shared/config';
import type { Channel } from '../../../shared/domain/channel';
import type { OutboundQueueMessage, ReplyTarget } from '../../../shared/domain/queue-messages';
import type { Reply } from '../../../shared/domain/reply';
import { createTestTable, testDocumentClient, uniqueName } from '../../support/aws';
import { storeTestChannel, testChannel } from '../../support/channels';
import { createTestQueues, type TestQueues } from '../../support/queues';
import { type DrainOptions, drainQueue, testContext } from '../../support/sqs-driver';
import { makeTestToken } from '../../support/tokens';

/** The server key the world's reply function signs its external ids with. */
export const OUTBOUND_TEST_WEBHOOK_KEY = 'webhook-secret-key-outbound-0123456789';

type Started = Awaited<ReturnType<typeof startSandboxServer>>;

export interface OutboundWorld {
  server: Started;
  sandbox: Started['sandbox'];
  token: string;
  channel: Channel;
  db: DynamoDBDocumentClient;
  tableName: string;
  queues: TestQueues;
  sqs: SQSClient;
  handler: ReturnType<typeof createReplyHandler>;
  /** A client writes to the bot; returns what the worker would put in the reply target. */
  clientWrites(transport?: string, text?: string): Promise<ReplyTarget>;
  enqueue(
    target: ReplyTarget,
    replies: Reply[],
    eventId?: string,
    extra?: Pick<OutboundQueueMessage, 'generation'>,
  ): Promise<OutboundQueueMessage[]>;
  drain(options?: DrainOptions): Promise<void>;
  /** What the client has received (outgoing messages of the transcript). */
  received(clientId: string): ReturnType<Started['sandbox']['transcript']>;
  /** POST /v1/messages requests that Chat2Desk accepted. */
  acceptedSends(): Started['sandbox']['requests'];
  conversations: ReturnType<typeof createConversationStore>;
  putChannel(changes: Partial<Channel>): Promise<void>;
  close(): Promise<void>;
}

export async function startOutboundWorld(
  options: {
    sandbox?: SandboxOptions;
    env?: Record<string, string>;
    queues?: { maxReceiveCount?: number };
    /** The reply function puts records back itself (OUTBOUND_QUEUE_URL set), as in AWS. */
    requeue?: boolean;
    /** The reply function queues the events it raises for the agent on the inbound queue (INBOUND_QUEUE_URL set). */
    connectorEvents?: boolean;
    fetchImpl?: typeof fetch;
  } = {},
): Promise<OutboundWorld> {
  const server = await startSandboxServer({ port: 0, options: { signWebhooks: false, ...options.sandbox } });
  const db = testDocumentClient();
  const table = await createTestTable();
  const queues = await createTestQueues(options.queues ?? {});
  const token = makeTestToken('outbound');
  let channel = testChannel({
    name: 'Outbound test',
    apiUrl: server.apiUrl,
    token,
    operatorId: String(BOT_OPERATOR_ID),
  });
  const putChannel = async (changes: Partial<Channel>) => {
    channel = { ...channel, ...changes };
    await storeTestChannel(db, table.name, channel);
  };
  await putChannel({});
  const config = loadConfig({
    TABLE_NAME: table.name,
    OUTBOUND_DLQ_URL: queues.outboundDlqUrl,
    ...(options.queues?.maxReceiveCount !== undefined
      ? { OUTBOUND_MAX_RECEIVE_COUNT: String(options.queues.maxReceiveCount) }
      : {}),
    LOCAL_MODE: 'true',
    CHANNEL_CACHE_TTL_MS: '1',
    CHAT2DESK_TIMEOUT_MS: '2000',
    TOKEN_HASH_KEY: 'token-hash-key-outbound-0123456789',
    WEBHOOK_SECRET_KEY: OUTBOUND_TEST_WEBHOOK_KEY,
    ...(options.requeue ? { OUTBOUND_QUEUE_URL: queues.outboundUrl } : {}),
    ...(options.connectorEvents ? { INBOUND_QUEUE_URL: queues.inboundUrl } : {}),
    ...options.env,
  });
  const handler = createReplyHandler(
    buildReplyDeps({
      config,
      documentClient: db,
      ...(options.fetchImpl ? { fetchImpl: options.fetchImpl } : {}),
      ...(options.requeue || options.connectorEvents ? { sqsClient: queues.client } : {}),
    }),
  );
  const outbound = createOutboundQueue({ client: queues.client, queueUrl: queues.outboundUrl });
  const conversations = createConversationStore({
    client: db,
    tableName: table.name,
    ownMessageTtlSeconds: 3600,
  });

  return {
    server,
    sandbox: server.sandbox,
    token,
    get channel() {
      return channel;
    },
    db,
    tableName: table.name,
    queues,
    sqs: queues.client,
    handler,
    conversations,
    putChannel,
    async clientWrites(transport = 'telegram', text = 'hello') {
      const clientId = String(randomInt(100_000_000, 999_999_999));
      const { messageId, dialogId } = await server.sandbox.clientMessage(token, clientId, {
        text,
        transport,
      });
      return {
        clientId,
        transport,
        c2dChannelId: String(SANDBOX_CHANNEL_ID),
        dialogId,
        lastInboundMessageId: messageId,
      };
    },
    async enqueue(target, replies, eventId = uniqueName('ev'), extra = {}) {
      const messages: OutboundQueueMessage[] = replies.map((reply, index) => ({
        v: 1,
        replyId: `${eventId}:${index}`,
        eventId,
        channelId: channel.id,
        index,
        target,
        reply,
        ...extra,
      }));
      await outbound.enqueue(messages);
      return messages;
    },
    async drain(drainOptions = {}) {
      await drainQueue(queues.outboundUrl, (event) => handler(event, testContext()), {
        client: queues.client,
        ...drainOptions,
      });
    },
    received(clientId) {
      return server.sandbox.transcript(token, clientId).filter((m) => m.direction === 'out');
    },
    acceptedSends() {
      return server.sandbox.requests.filter(
        (r) => r.method === 'POST' && r.path === '/v1/messages' && r.status === 200,
      );
    },
    async close() {
      await server.stop();
      await queues.drop();
      await table.drop();
    },
  };
}

/** A batch of outbound messages as the reply function gets them again on a redelivery. */
export function redeliveryEventOf(messages: OutboundQueueMessage[]): SQSEvent {
  return {
    Records: messages.map((m, i) => ({
      messageId: `redelivered-${i}`,
      receiptHandle: `rh-${i}`,
      body: JSON.stringify(m),
      attributes: {
        ApproximateReceiveCount: '2',
        SentTimestamp: String(Date.now()),
        SenderId: 'local',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
        MessageGroupId: `${m.channelId}:${m.target.clientId}`,
        MessageDeduplicationId: m.replyId,
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:outbound.fifo',
      awsRegion: 'us-east-1',
    })),
  };
}
