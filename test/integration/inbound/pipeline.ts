/**
 * The inbound pipeline on real emulators: webhook handler → fauxqs inbound FIFO → worker handler
 * (DynamoDB Local for channels, conversation marks and idempotency) → recording HTTP agent →
 * fauxqs outbound FIFO.
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createWebhookHandler } from '../../../functions/webhook/handler';
import { createWebhookChannelReader } from '../../../functions/webhook/webhook-channel-reader';
import type { WorkerDeps } from '../../../functions/worker/composition';
import { createWorkerHandler } from '../../../functions/worker/handler';
import { createAgentCallOnce } from '../../../shared/adapters/agent/agent-call-once';
import { createAgentEventsClient } from '../../../shared/adapters/agent/agent-events-client';
import { createChannelReader } from '../../../shared/adapters/dynamodb/channel-item';
import { createConversationStore } from '../../../shared/adapters/dynamodb/conversation-store';
import { createDeadLetters } from '../../../shared/adapters/sqs/dead-letters';
import { createInboundQueue, type InboundQueue } from '../../../shared/adapters/sqs/inbound-queue';
import { createOutboundQueue } from '../../../shared/adapters/sqs/outbound-queue';
import { createRequeue } from '../../../shared/adapters/sqs/requeue';
import type { Channel } from '../../../shared/domain/channel';
import { type OutboundQueueMessage, outboundQueueMessageSchema } from '../../../shared/domain/queue-messages';
import type { OutboundQueue } from '../../../shared/outbound/ports';
import { webhookSecret } from '../../../shared/webhook-url';
import { createTestTable, type TestTable, testDocumentClient } from '../../support/aws';
import { storeTestChannel, testChannel } from '../../support/channels';
import { createTestQueues, type TestQueueOptions, type TestQueues } from '../../support/queues';
import { type RecordingAgent, startRecordingAgent } from '../../support/recording-agent';
import {
  type DrainOptions,
  type DrainResult,
  drainQueue,
  receiveAll,
  testContext,
} from '../../support/sqs-driver';
import { makeTestToken } from '../../support/tokens';
import { type WebhookBody, webhookRequest } from '../../support/webhook-events';

export const AGENT_API_KEY = 'agent-key-for-tests';

export interface PipelineOptions {
  queues?: TestQueueOptions;
  agentMaxAttempts?: number;
  fallbackOperatorGroupId?: string;
  /** Wrap the outbound queue (e.g. to inject a crash before the enqueue). */
  wrapOutbound?: (queue: OutboundQueue) => OutboundQueue;
  wrapInbound?: (queue: InboundQueue) => InboundQueue;
  /** Wrap the document client the webhook's / the worker's channel reader reads through. */
  wrapWebhookReads?: (client: DynamoDBDocumentClient) => DynamoDBDocumentClient;
  wrapWorkerReads?: (client: DynamoDBDocumentClient) => DynamoDBDocumentClient;
}

export interface Pipeline {
  table: TestTable;
  queues: TestQueues;
  agent: RecordingAgent;
  webhookKey: string;
  documentClient: ReturnType<typeof testDocumentClient>;
  webhook: ReturnType<typeof createWebhookHandler>;
  worker: ReturnType<typeof createWorkerHandler>;
  workerDeps: WorkerDeps;
  /** Saves a channel (active, generation 1 unless given) and returns it with its webhook secret. */
  addChannel(fields?: Partial<Channel>): Promise<{ channel: Channel; secret: string }>;
  post(
    channelId: string,
    secret: string,
    body: WebhookBody | string,
  ): Promise<APIGatewayProxyStructuredResultV2>;
  drainInbound(options?: DrainOptions): Promise<DrainResult>;
  outboundMessages(): Promise<OutboundQueueMessage[]>;
  inboundDlqCount(): Promise<number>;
  close(): Promise<void>;
}

export async function startPipeline(options: PipelineOptions = {}): Promise<Pipeline> {
  const table = await createTestTable();
  const queues = await createTestQueues(options.queues);
  const agent = await startRecordingAgent();
  const documentClient = testDocumentClient();
  const dynamoDb = new DynamoDBClient({ region: 'us-east-1' });
  const webhookKey = `webhook-key-${randomBytes(16).toString('hex')}`;

  const inbound = createInboundQueue({ client: queues.client, queueUrl: queues.inboundUrl });
  const webhook = createWebhookHandler({
    webhookSecretKey: webhookKey,
    inboundQueue: options.wrapInbound ? options.wrapInbound(inbound) : inbound,
    channels: createWebhookChannelReader({
      client: options.wrapWebhookReads ? options.wrapWebhookReads(documentClient) : documentClient,
      tableName: table.name,
      cacheTtlMs: 0,
    }),
  });
  const outbound = createOutboundQueue({ client: queues.client, queueUrl: queues.outboundUrl });
  const conversations = createConversationStore({
    client: documentClient,
    tableName: table.name,
    ownMessageTtlSeconds: 3600,
  });
  const workerDeps: WorkerDeps = {
    externalIdKey: webhookKey,
    channels: createChannelReader({
      client: options.wrapWorkerReads ? options.wrapWorkerReads(documentClient) : documentClient,
      tableName: table.name,
      cacheTtlMs: 0,
    }),
    conversations,
    ownMessages: conversations,
    agent: createAgentCallOnce({
      agent: createAgentEventsClient({
        baseUrl: agent.url,
        apiKey: AGENT_API_KEY,
        timeoutMs: 2_000,
        maxAttempts: options.agentMaxAttempts ?? 2,
        baseDelayMs: 5,
        maxDelayMs: 20,
      }),
      client: documentClient,
      tableName: table.name,
      ttlSeconds: 6 * 3600,
      maxCalls: options.agentMaxAttempts ?? 2,
    }),
    outbound: options.wrapOutbound ? options.wrapOutbound(outbound) : outbound,
    deadLetters: createDeadLetters({
      client: queues.client,
      queueUrl: queues.inboundDlqUrl,
      functionName: 'worker',
    }),
    requeue: createRequeue({ client: queues.client, queueUrl: queues.inboundUrl }),
    recordBudgetMs: 3_000,
    fallbackOperatorGroupId: options.fallbackOperatorGroupId,
  };
  const worker = createWorkerHandler(workerDeps);

  return {
    table,
    queues,
    agent,
    webhookKey,
    documentClient,
    webhook,
    worker,
    workerDeps,
    async addChannel(fields = {}) {
      const channel = testChannel({ token: makeTestToken('inbound'), ...fields });
      await storeTestChannel(documentClient, table.name, channel);
      return { channel, secret: webhookSecret(webhookKey, channel.id, channel.generation) };
    },
    post: async (channelId, secret, body) =>
      (await webhook(webhookRequest({ channelId, secret, body }))) as APIGatewayProxyStructuredResultV2,
    drainInbound: (drain = {}) =>
      drainQueue(queues.inboundUrl, (event) => worker(event, testContext()), {
        client: queues.client,
        ...drain,
      }),
    async outboundMessages() {
      const messages = await receiveAll(queues.outboundUrl, queues.client);
      return messages.map((m) => outboundQueueMessageSchema.parse(JSON.parse(m.Body ?? '')));
    },
    inboundDlqCount: async () => (await receiveAll(queues.inboundDlqUrl, queues.client)).length,
    async close() {
      await agent.stop();
      await queues.drop();
      await table.drop();
      dynamoDb.destroy();
    },
  };
}
