/**
 * One reliability world: the whole connector on real parts, wired as in AWS.
 *
 *   Chat2Desk sandbox ──signed webhooks──> local HTTP route (API Gateway v2 adapter) ─> webhook handler
 *     ─> fauxqs inbound FIFO (+DLQ) ─> SQS poller ─> worker (composition from config; DynamoDB Local)
 *     ─> recording agent (HTTP) ─> fauxqs outbound FIFO (+DLQ) ─> SQS poller ─> reply function
 *     ─> Chat2Desk sandbox API.
 *
 * Every webhook response body is recorded (`responses`) for the "no token in any response" check.
 *
 *   const world = await startWorld({ events: ['inbox'] });
 *   const { messageId } = await world.clientWrites('1001', 'hi');
 *   await world.settle({ until: () => world.agent.answered().length === 1 });
 *   world.botMessages('1001');
 *   await world.stop();
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, writeSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { buildReplyDeps } from '../../../functions/reply/composition';
import { createReplyHandler } from '../../../functions/reply/handler';
import { createWebhookHandler } from '../../../functions/webhook/handler';
import { createWebhookChannelReader } from '../../../functions/webhook/webhook-channel-reader';
import { buildWorkerDeps } from '../../../functions/worker/composition';
import { createWorkerHandler } from '../../../functions/worker/handler';
import { toApiGatewayV2Event } from '../../../infra/local/runtime/http-event';
import { closeServer, listen, WEBHOOK_ROUTE_KEY } from '../../../infra/local/runtime/http-server';
import { type SqsPoller, startSqsPoller } from '../../../infra/local/runtime/sqs-poller';
import { startSandboxServer } from '../../../infra/local/sandbox/index';
import type { DeliveryRecord, SandboxOptions, TranscriptEntry } from '../../../infra/local/sandbox/types';
import { getDocumentClient } from '../../../shared/adapters/aws-clients';
import { createInboundQueue } from '../../../shared/adapters/sqs/inbound-queue';
import { loadConfig } from '../../../shared/config';
import type { Channel } from '../../../shared/domain/channel';
import type { RetryPolicy } from '../../../shared/outbound/retry-policy';
import { webhookSecret } from '../../../shared/webhook-url';
import { createTestTable, type TestTable } from '../../support/aws';
import { storeTestChannel, testChannel } from '../../support/channels';
import { createTestQueues, queueArn, queueDepth, type TestQueues } from '../../support/queues';
import {
  type RecordingAgent,
  type RecordingAgentOptions,
  startRecordingAgent,
} from '../../support/recording-agent';
import { makeTestToken, TEST_TOKEN_MARKER } from '../../support/tokens';

export const AGENT_KEY = 'reliability-agent-key';
const REGION = 'us-east-1';

export interface WorldOptions {
  /** Webhook events the channel subscribes to in the sandbox (default: inbox). */
  events?: string[];
  sandbox?: SandboxOptions;
  /** Receives before the DLQ (both queues; default 3). */
  maxReceiveCount?: number;
  /**
   * Visibility timeout of both queues, seconds (default 5): a failed record comes back after it.
   * Like AWS (90 s against a 60 s function timeout) it must exceed the time one batch takes, or
   * a second poller takes a record still being handled.
   */
  visibilityTimeoutSeconds?: number;
  agent?: RecordingAgentOptions;
  /** Extra config for the worker and the reply function (strings, as in the environment). */
  env?: Record<string, string>;
  retryPolicy?: RetryPolicy;
  /** Batches in flight per queue (default 2, like the local stack). */
  pollerConcurrency?: number;
  /** Do not poll the inbound queue here (the crash drill runs the worker in a child process). */
  noWorker?: boolean;
  /** The channel's operator (default none: the bot takes the general queue). */
  operatorId?: string;
  /** Function timeout of the worker in this world (default 20 s). */
  workerTimeoutMs?: number;
  /** Inbound shards (default 1), each with its own worker pollers (docs/DEPLOY.md "Inbound shards"). */
  inboundShards?: number;
}

export interface World {
  table: TestTable;
  queues: TestQueues;
  agent: RecordingAgent;
  sandbox: Awaited<ReturnType<typeof startSandboxServer>>['sandbox'];
  sandboxApiUrl: string;
  token: string;
  channel: Channel;
  webhookKey: string;
  /** http://127.0.0.1:PORT/webhooks/chat2desk/<channel>/<secret> as registered in the sandbox. */
  webhookUrl: string;
  /** The environment the worker and reply function were configured with. */
  env: Record<string, string>;
  /** Every webhook response: status and body. */
  responses: { status: number; body: string }[];
  /** `inbound`: shard 0's worker poller; `inboundShards`: every shard's. */
  pollers: { inbound?: SqsPoller; inboundShards: SqsPoller[]; outbound: SqsPoller };
  /** Sends a recorded sandbox delivery again over HTTP, byte for byte (a Chat2Desk retry). */
  replay(delivery: DeliveryRecord): Promise<number>;
  /**
   * The same delivery arriving after SQS's 5-minute dedup window (Chat2Desk's 5 min and 2 h
   * retries): the real webhook handler, but its inbound queue gets a fresh dedup id, as SQS would
   * accept it then. Only the worker's and reply function's own dedup stand in the way.
   */
  lateReplay(delivery: DeliveryRecord): Promise<number>;
  /** A client writes; the sandbox delivers the signed `inbox` webhook. */
  clientWrites(clientId: string, text: string): Promise<{ messageId: string; dialogId: string }>;
  /** Calls the sandbox API with the channel's token. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }>;
  /** Bot messages the client received (transcript entries sent by us, in order). */
  botMessages(clientId: string): TranscriptEntry[];
  /** Accepted POST /v1/messages requests of the sandbox. */
  acceptedSends(): number;
  /** Messages in a queue: visible + in flight. */
  depth(queueUrl: string): Promise<number>;
  /** Receives (and so removes) everything in a DLQ; returns the bodies. */
  drainDlq(queueUrl: string): Promise<string[]>;
  /**
   * Waits until `until` holds (if given) and then the whole pipeline is quiet: no webhook
   * delivery pending, both queues empty, no batch in flight — twice in a row.
   */
  settle(options?: { until?: () => boolean | Promise<boolean>; timeoutMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

async function arnOf(queues: TestQueues, url: string): Promise<string> {
  return (await queueArn(queues.client, url)) ?? `arn:aws:sqs:${REGION}:000000000000:${url.split('/').pop()}`;
}

function webhookPathParameters(path: string): Record<string, string> {
  const [channelId = '', secret = ''] = path.split('/').slice(3);
  return { channelId: decodeURIComponent(channelId), secret: decodeURIComponent(secret) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const table = await createTestTable();
  const depth: World['depth'] = (queueUrl) => queueDepth(queues.client, queueUrl);
  const maxReceiveCount = options.maxReceiveCount ?? 3;
  const queues = await createTestQueues({
    maxReceiveCount,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 5,
    inboundShards: options.inboundShards ?? 1,
  });
  const agent = await startRecordingAgent(options.agent);
  const sandboxServer = await startSandboxServer({
    port: 0,
    options: { webhookRetryDelaysMs: [200, 500, 1000], ...options.sandbox },
  });
  const sandbox = sandboxServer.sandbox;
  const token = makeTestToken('reliability');
  const webhookKey = `webhook-key-${randomBytes(16).toString('hex')}`;
  const channel = testChannel({
    agentId: 'agent-rel',
    name: 'Reliability drill',
    apiUrl: sandboxServer.apiUrl,
    token,
    ...(options.operatorId ? { operatorId: options.operatorId } : {}),
  });
  const documentClient = getDocumentClient();
  await storeTestChannel(documentClient, table.name, channel);

  // Webhook function behind the local API Gateway route.
  const responses: World['responses'] = [];
  const webhook = createWebhookHandler({
    webhookSecretKey: webhookKey,
    inboundQueue: createInboundQueue({ client: queues.client, queueUrl: queues.inboundShardUrls }),
    channels: createWebhookChannelReader({
      client: documentClient,
      tableName: table.name,
      cacheTtlMs: 60_000,
    }),
  });
  const server: Server = await listen(
    {
      region: REGION,
      isReady: () => true,
      webhook: {
        fn: { functionName: 'rel-webhook', timeoutMs: 10_000 },
        handler: async (event: APIGatewayProxyEventV2) => {
          const result = (await webhook(event)) as APIGatewayProxyStructuredResultV2;
          responses.push({ status: result.statusCode ?? 200, body: String(result.body ?? '') });
          return result;
        },
      },
      report: () => undefined,
    },
    0,
    '127.0.0.1',
  );
  const port = (server.address() as AddressInfo).port;
  const realInbound = createInboundQueue({ client: queues.client, queueUrl: queues.inboundShardUrls });
  let lateCount = 0;
  const lateWebhook = createWebhookHandler({
    webhookSecretKey: webhookKey,
    inboundQueue: {
      enqueue: (message, routing) => {
        lateCount += 1;
        return realInbound.enqueue(message, {
          ...routing,
          deduplicationId: `late-${lateCount}-${routing.deduplicationId}`.slice(0, 128),
        });
      },
    },
    channels: createWebhookChannelReader({
      client: documentClient,
      tableName: table.name,
      cacheTtlMs: 60_000,
    }),
  });
  const deliveryHeaders = (delivery: DeliveryRecord): Record<string, string> => ({
    'content-type': 'application/json',
    'x-timestamp': delivery.timestamp,
    ...(delivery.signature ? { 'x-signature': delivery.signature } : {}),
  });
  const secret = webhookSecret(webhookKey, channel.id, channel.generation);
  const webhookUrl = `http://127.0.0.1:${port}/webhooks/chat2desk/${channel.id}/${secret}`;

  const api: World['api'] = async (method, path, body) => {
    const response = await fetch(`${sandboxServer.apiUrl}${path}`, {
      method,
      headers: { authorization: token, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: await response.json().catch(() => undefined) };
  };
  const registered = await api('POST', '/v1/webhooks', {
    name: 'reliability',
    url: webhookUrl,
    events: options.events ?? ['inbox'],
  });
  if (registered.status !== 200) throw new Error(`webhook registration failed: ${registered.status}`);

  // Worker and reply function from their composition roots, configured like a deployment.
  const env: Record<string, string> = {
    TABLE_NAME: table.name,
    INBOUND_QUEUE_URL: queues.inboundUrl,
    INBOUND_QUEUE_URLS: queues.inboundShardUrls.join(','),
    OUTBOUND_QUEUE_URL: queues.outboundUrl,
    INBOUND_DLQ_URL: queues.inboundDlqUrl,
    OUTBOUND_DLQ_URL: queues.outboundDlqUrl,
    OUTBOUND_MAX_RECEIVE_COUNT: String(maxReceiveCount),
    AGENT_API_URL: agent.url,
    AGENT_API_KEY: AGENT_KEY,
    WEBHOOK_SECRET_KEY: webhookKey,
    TOKEN_HASH_KEY: `token-hash-key-${randomBytes(8).toString('hex')}`,
    LOCAL_MODE: 'true',
    AGENT_TIMEOUT_MS: '3000',
    AGENT_MAX_ATTEMPTS: '2',
    CHAT2DESK_TIMEOUT_MS: '3000',
    // The sandbox has no rate limit unless a drill asks for one; the connector's own limiter is
    // raised so the drills measure the pipeline, not the default 15 messages/s.
    CHAT2DESK_RATE_LIMIT_PER_SECOND: '1000',
    CHANNEL_CACHE_TTL_MS: '30000',
    ...options.env,
  };
  const config = loadConfig(env);
  const pollerBase = {
    sqs: queues.client,
    region: REGION,
    concurrency: options.pollerConcurrency ?? 2,
    waitTimeSeconds: 1,
    // Poller problems (batch failures, timeouts) go to the captured log.
    report: (line: string) => process.stderr.write(`poller: ${line}\n`),
  };
  const inboundPollers: SqsPoller[] = [];
  if (!options.noWorker) {
    const worker = createWorkerHandler(await buildWorkerDeps(config));
    // One event source per inbound shard, each with its own batches in flight.
    for (const queueUrl of queues.inboundShardUrls) {
      inboundPollers.push(
        startSqsPoller({
          ...pollerBase,
          queueUrl,
          queueArn: await arnOf(queues, queueUrl),
          fn: { functionName: 'rel-worker', timeoutMs: options.workerTimeoutMs ?? 20_000 },
          handler: worker,
        }),
      );
    }
  }
  const inbound = inboundPollers[0];
  const inboundDepth = async () => {
    let total = 0;
    for (const url of queues.inboundShardUrls) total += await depth(url);
    return total;
  };
  const reply = createReplyHandler(
    buildReplyDeps({
      config,
      documentClient,
      ...(options.retryPolicy ? { retryPolicy: options.retryPolicy } : {}),
    }),
  );
  const outbound = startSqsPoller({
    ...pollerBase,
    queueUrl: queues.outboundUrl,
    queueArn: await arnOf(queues, queues.outboundUrl),
    fn: { functionName: 'rel-reply', timeoutMs: 20_000 },
    handler: reply,
  });

  const world: World = {
    table,
    queues,
    agent,
    sandbox,
    sandboxApiUrl: sandboxServer.apiUrl,
    token,
    channel,
    webhookKey,
    webhookUrl,
    env,
    responses,
    pollers: { ...(inbound ? { inbound } : {}), inboundShards: inboundPollers, outbound },
    async replay(delivery) {
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers: deliveryHeaders(delivery),
        body: delivery.body,
      });
      responses.push({ status: response.status, body: await response.text() });
      return response.status;
    },
    async lateReplay(delivery) {
      const path = new URL(delivery.url).pathname;
      const result = (await lateWebhook(
        toApiGatewayV2Event(
          {
            method: 'POST',
            url: path,
            headers: deliveryHeaders(delivery),
            body: Buffer.from(delivery.body, 'utf8'),
            sourceIp: '127.0.0.1',
          },
          { routeKey: WEBHOOK_ROUTE_KEY, pathParameters: webhookPathParameters(path) },
        ),
      )) as APIGatewayProxyStructuredResultV2;
      responses.push({ status: result.statusCode ?? 200, body: String(result.body ?? '') });
      return result.statusCode ?? 200;
    },
    clientWrites: (clientId, text) => sandbox.clientMessage(token, clientId, { text }),
    api,
    botMessages: (clientId) =>
      sandbox.transcript(token, clientId).filter((m) => m.direction === 'out' && m.type === 'to_client'),
    acceptedSends: () =>
      sandbox.requests.filter((r) => r.method === 'POST' && r.path === '/v1/messages' && r.status === 200)
        .length,
    depth,
    async drainDlq(queueUrl) {
      const bodies: string[] = [];
      for (let empty = 0; empty < 2; ) {
        const received = await queues.client.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
        );
        const messages = received.Messages ?? [];
        if (messages.length === 0) {
          empty += 1;
          continue;
        }
        bodies.push(...messages.map((m) => m.Body ?? ''));
      }
      return bodies;
    },
    async settle({ until, timeoutMs = 60_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      let quietChecks = 0;
      while (Date.now() < deadline) {
        const wanted = until ? await until() : true;
        const quiet =
          wanted &&
          (await sandbox.idle(Math.max(1, deadline - Date.now())).then(
            () => true,
            () => false,
          )) &&
          inboundPollers.every((poller) => poller.inFlight() === 0) &&
          outbound.inFlight() === 0 &&
          (await inboundDepth()) === 0 &&
          (await depth(queues.outboundUrl)) === 0;
        quietChecks = quiet ? quietChecks + 1 : 0;
        if (quietChecks >= 2) return;
        await sleep(250);
      }
      const state = {
        wanted: until ? await until() : true,
        inboundDepth: await inboundDepth(),
        outboundDepth: await depth(queues.outboundUrl),
        inFlight: [...inboundPollers.map((poller) => poller.inFlight()), outbound.inFlight()],
        sandboxIdle: await sandbox.idle(1).then(
          () => true,
          () => false,
        ),
        sends: sandbox.requests.length,
      };
      throw new Error(`the pipeline did not settle within ${timeoutMs} ms: ${JSON.stringify(state)}`);
    },
    async stop() {
      await Promise.allSettled([...inboundPollers.map((poller) => poller.stop(2000)), outbound.stop(2000)]);
      // R8, in every drill: no webhook response ever carries a token.
      const leaked = responses.filter((r) => r.body.includes(TEST_TOKEN_MARKER)).length;
      await closeServer(server);
      await sandboxServer.stop();
      await agent.stop();
      await queues.drop().catch(() => undefined);
      await table.drop().catch(() => undefined);
      if (leaked > 0) throw new Error(`${leaked} webhook response(s) carried a Chat2Desk token`);
    },
  };
  return world;
}

/** The scale knob: RELIABILITY_SCALE=4 runs every drill with 4× its default size. */
export function scaled(defaultCount: number): number {
  const scale = Number(process.env.RELIABILITY_SCALE ?? '1');
  return Math.max(1, Math.round(defaultCount * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}

/** A jest timeout for a drill whose default run takes up to `ms`, grown with RELIABILITY_SCALE. */
export function drillTimeout(ms: number): number {
  return Math.max(ms, scaled(ms));
}

/**
 * Prints one figure line (to the terminal, past the log capture) and appends it to
 * test-output/reliability-figures.txt, from which docs/RELIABILITY.md is filled in.
 */
export function figure(line: string): void {
  // Straight to the file descriptor: the test setup captures process.stdout/stderr writes.
  writeSync(2, `${line}\n`);
  const dir = join(__dirname, '..', '..', '..', 'test-output');
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, 'reliability-figures.txt'), `${new Date().toISOString()} ${line}\n`);
}

/** Group sizes of a list by key. */
export function countBy<T>(items: T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}
