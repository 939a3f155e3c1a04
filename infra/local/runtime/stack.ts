/**
 * The whole connector on one machine, as a library: `npm start`, the e2e tests, the reliability
 * drills and the benchmarks all start this same thing.
 *
 * Order matters: the HTTP server listens first (a port in use fails before Java starts, and
 * `/health` says "starting"), then the emulators, the table and queues, then the environment the
 * handlers read at module load, and only then are the handlers imported — like a Lambda cold start.
 * One stack per process: handler modules read their configuration once.
 */

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyResultV2,
  ScheduledEvent,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import { createChannelStore } from '../../../shared/adapters/dynamodb/channel-store';
import { createConversationStore } from '../../../shared/adapters/dynamodb/conversation-store';
import { OUTBOUND_QUEUE } from '../../../shared/adapters/sqs/queue-definitions';
import { resetConfig } from '../../../shared/config';
import { logger as functionsLogger } from '../../../shared/observability';
import { FUNCTION_TIMEOUT_SECONDS } from '../../../shared/timeouts';
import { FUNCTION_ENTRIES, type FunctionName } from '../../constructs/function-bundling';
import { createConsoleApp } from '../console/index';
import { createDemoAgent, type DemoAgent } from '../demo-agent/index';
import {
  LOCAL_CREDENTIALS,
  type RunningService,
  startDynamoDbLocal,
  startSqsEmulatorThread,
} from '../emulators';
import { createSandbox } from '../sandbox/index';
import type { Sandbox, SandboxOptions } from '../sandbox/types';
import { ensureQueues, ensureTable, type LocalQueues, loadLocalKeys, type QueueOverrides } from './bootstrap';
import { buildFunctionBundles } from './bundles';
import { createConnectorStateApp, createCounterBook, observeLogger, observeLogLine } from './connector-state';
import type { FunctionSource } from './function-thread-protocol';
import { type FunctionThreads, startFunctionThreads } from './function-threads';
import { closeServer, type HttpRoutes, listen } from './http-server';
import { type LambdaHandler, type LocalFunction, lambdaEnvironment } from './lambda-context';
import { type LocalSchedule, startSchedule } from './schedule';
import { type SqsPoller, startSqsPoller } from './sqs-poller';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
export const DEFAULT_STATE_DIR = join(REPO_ROOT, '.local');
export const DEFAULT_PREFIX = 'chat2desk-local';

/**
 * Function settings as deployed: the CDK stack's SIZING (infra/stacks/stateless-stack.ts), copied
 * so `npm start` does not load aws-cdk-lib; a test keeps the two equal.
 */
export const LOCAL_SIZING = {
  webhook: { timeoutSeconds: 10 },
  worker: { timeoutSeconds: FUNCTION_TIMEOUT_SECONDS.worker, batchSize: 5 },
  // maxConcurrency: batches in flight on this machine. Deployed it is the replyMaxConcurrency
  // parameter (default 50); the per-account rate limit holds for any number (docs/DEPLOY.md).
  reply: { timeoutSeconds: FUNCTION_TIMEOUT_SECONDS.reply, batchSize: 10, maxConcurrency: 2 },
  channels: { timeoutSeconds: 60 },
  webhookHealer: { timeoutSeconds: 300, everyMinutes: 10 },
} as const;

export function localFunctions(prefix: string) {
  const fn = (name: string, timeoutSeconds: number): LocalFunction => ({
    functionName: `${prefix}-${name}`,
    timeoutMs: timeoutSeconds * 1000,
  });
  return {
    webhook: fn('webhook', LOCAL_SIZING.webhook.timeoutSeconds),
    channels: fn('channels', LOCAL_SIZING.channels.timeoutSeconds),
    worker: fn('worker', LOCAL_SIZING.worker.timeoutSeconds),
    reply: fn('reply', LOCAL_SIZING.reply.timeoutSeconds),
    webhookHealer: fn('webhook-healer', LOCAL_SIZING.webhookHealer.timeoutSeconds),
  };
}

/** Where the functions run: each in its own worker thread (as on Lambda), or all in this process. */
export type LocalRuntimeMode = 'threads' | 'in-process';

export function runtimeModeFromEnv(value: string | undefined): LocalRuntimeMode | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'threads' || value === 'in-process') return value;
  throw new Error(`LOCAL_RUNTIME=${value}: use threads or in-process`);
}

export interface LocalHandlers {
  webhook: LambdaHandler<APIGatewayProxyEventV2, APIGatewayProxyResultV2>;
  channels: LambdaHandler<unknown, unknown>;
  worker: LambdaHandler<SQSEvent, SQSBatchResponse | undefined>;
  reply: LambdaHandler<SQSEvent, SQSBatchResponse | undefined>;
  webhookHealer: LambdaHandler<ScheduledEvent, unknown>;
}

export interface LocalStackOptions {
  /** Default: env PORT, else 3000. 0 picks a free port. */
  port?: number;
  /** Default: env HOST, else 127.0.0.1. */
  host?: string;
  /** DynamoDB in memory instead of `<stateDir>/dynamodb`; default env LOCAL_IN_MEMORY. */
  inMemory?: boolean;
  /** No step lines. */
  quiet?: boolean;
  /** Where data and keys are kept (default `.local/` of the repository). */
  stateDir?: string;
  /** Name prefix of the table, queues and functions. */
  prefix?: string;
  /** Use emulators that already run instead of starting new ones (tests, benchmarks). */
  emulators?: { dynamodbEndpoint: string; sqsEndpoint: string };
  /** Shorter queue settings for drills. */
  queueOverrides?: { inbound?: QueueOverrides; outbound?: QueueOverrides };
  /** Concurrent pollers per queue, i.e. batches in flight (the deployment's maxConcurrency; default 2). */
  pollerConcurrency?: number;
  /**
   * Inbound shards (default 1; the deploy parameter `inboundShards`): the inbound queue as that many
   * FIFO queues, a channel's events always on one, each with its own worker pollers.
   */
  inboundShards?: number;
  /**
   * `threads` (default; env LOCAL_RUNTIME): each function in its own worker thread, loaded from its
   * TypeScript source. `in-process`: the handlers are required into this process (jest's VM can
   * observe and replace them). Functions given in `handlers` always run in this process.
   */
  runtime?: LocalRuntimeMode;
  /**
   * Run the deployed artifacts: every function built with the CDK construct's esbuild settings and
   * its bundle loaded in its thread as Lambda loads it (implies `threads`). `true` builds into
   * `<stateDir>/bundles` (a temporary folder when in memory), a string names the folder.
   */
  bundles?: boolean | string;
  /** Threads per function in `threads` mode (default 1; invocations share a thread's event loop). */
  threadsPerFunction?: number;
  /** Where the functions' lines go in `threads` mode (default this process's stdout / stderr). */
  functionLog?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** How often the webhook healer runs (default every 10 min, as deployed; 0 = never). It also runs once at start. */
  healerIntervalMs?: number;
  /** Long-poll wait of the pollers (default 20 s; 2 s with `emulators`, where stop() waits for it). */
  waitTimeSeconds?: number;
  /** Extra environment for the handlers (wins over process.env and the defaults). */
  env?: Record<string, string>;
  /** Replace handlers (the runner's own tests); the real ones are imported otherwise. */
  handlers?: Partial<LocalHandlers>;
  /** Options of the Chat2Desk sandbox (compressed retry schedule, rate limit, ...). */
  sandbox?: SandboxOptions;
  /** Where step lines and problem lines go (default stdout / stderr). */
  /** Told the pid of each child process as soon as it runs (so a process exiting mid-start can kill it). */
  onChildProcess?: (pid: number) => void;
  print?: (line: string) => void;
  report?: (line: string) => void;
}

export interface LocalStack {
  /** Base URL, e.g. http://127.0.0.1:3000 */
  url: string;
  port: number;
  host: string;
  tableName: string;
  queues: LocalQueues;
  dynamodbEndpoint: string;
  sqsEndpoint: string;
  /** The environment given to the handlers. */
  env: Record<string, string>;
  /** Where data and keys are kept across restarts (`stateDir`); undefined when in memory. */
  keptIn: string | undefined;
  /** `inbound`: shard 0's; `inboundShards`: every shard's, in shard order. */
  pollers: { inbound: SqsPoller; inboundShards: SqsPoller[]; outbound: SqsPoller };
  /** The Chat2Desk sandbox mounted at /sandbox. */
  sandbox: Sandbox;
  /** The demo agent mounted at /agent (the agent events it received are in `agent.events`). */
  agent: DemoAgent;
  /** The webhook healer's schedule (`healer.runNow()` runs it at once). */
  healer: LocalSchedule;
  /** The healer's run at start (resolves when it ended). */
  firstHeal: Promise<void>;
  /** Pids of child processes (DynamoDB Local's java), for a last-resort kill on exit. */
  childPids: number[];
  /** How the functions run, and their threads (in `threads` mode; the benchmarks read their CPU). */
  runtime: LocalRuntimeMode;
  /** The bundle each function runs (with `bundles`). */
  bundles?: Partial<Record<keyof LocalHandlers, string>>;
  threads: Partial<Record<keyof LocalHandlers, FunctionThreads>>;
  stop(): Promise<void>;
}

function step(print: (l: string) => void, quiet: boolean | undefined, name: string, text: string) {
  if (!quiet) print(`${name.padEnd(9)} ${text}`);
}

function envFlag(value: string | undefined): boolean {
  return value === 'true' || value === '1';
}

/**
 * A handler module, loaded only now (its configuration is read at load, like a cold start).
 * `require`, not `import()`: the project is CommonJS, and jest's VM has no dynamic import.
 */
function importHandler<T>(relative: string): T {
  const mod = require(join(REPO_ROOT, relative)) as { handler?: unknown };
  if (typeof mod.handler !== 'function') throw new Error(`${relative} exports no handler`);
  return mod.handler as T;
}

/**
 * Values a running stack put into process.env: a second stack in the same process (a test) must
 * not take the first one's URLs and keys for the user's own settings.
 */
const setByStacks = new Map<string, string>();

/** The functions, from the entries CDK bundles (`FUNCTION_ENTRIES`, relative to the repository). */
const FUNCTION_KEYS = Object.keys(FUNCTION_ENTRIES) as FunctionName[];

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const report = options.report ?? ((line: string) => process.stderr.write(`${line}\n`));
  const quiet = options.quiet;
  const host = options.host ?? process.env.HOST ?? '127.0.0.1';
  const requestedPort = options.port ?? (process.env.PORT ? Number(process.env.PORT) : 3000);
  const inMemory = options.inMemory ?? envFlag(process.env.LOCAL_IN_MEMORY);
  const stateDir = options.stateDir ?? DEFAULT_STATE_DIR;
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const functions = localFunctions(prefix);

  const started: RunningService[] = [];
  const ownEmulators = !(options.emulators?.dynamodbEndpoint && options.emulators?.sqsEndpoint);
  const savedEnv = new Map<string, string | undefined>();
  const clients: { destroy(): void }[] = [];
  let ready = false;
  let stopping: Promise<void> | undefined;
  let pollers: { inbound: SqsPoller; inboundShards: SqsPoller[]; outbound: SqsPoller } | undefined;
  let healer: LocalSchedule | undefined;
  let sandbox: Sandbox | undefined;
  let stopObserving: (() => void) | undefined;
  const threads: Partial<Record<keyof LocalHandlers, FunctionThreads>> = {};
  const runtime = options.bundles
    ? 'threads'
    : (options.runtime ?? runtimeModeFromEnv(process.env.LOCAL_RUNTIME) ?? 'threads');
  if (options.bundles && options.runtime === 'in-process') {
    throw new Error('bundles run in worker threads: leave runtime unset (or threads) with bundles');
  }
  let bundleDirToRemove: string | undefined;

  const routes: HttpRoutes = { region, isReady: () => ready, report };
  const server = await listen(routes, requestedPort, host);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : requestedPort;
  const publicHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const url = `http://${publicHost.includes(':') ? `[${publicHost}]` : publicHost}:${port}`;
  step(print, quiet, 'http', `listening on ${url} (starting)`);

  async function stopAll(): Promise<void> {
    ready = false;
    // Own emulators stop right after: cut the long polls. Shared ones live on: let them finish.
    const stopOptions = { abortReceives: ownEmulators, graceMs: ownEmulators ? 5000 : undefined };
    await Promise.allSettled([
      ...(pollers?.inboundShards ?? []).map((poller) => poller.stop(stopOptions)),
      pollers?.outbound.stop(stopOptions),
      healer?.stop(),
    ]);
    await closeServer(server);
    await Promise.allSettled(Object.values(threads).map((t) => t.stop()));
    stopObserving?.();
    if (bundleDirToRemove) rmSync(bundleDirToRemove, { recursive: true, force: true });
    await sandbox?.stop().catch(() => undefined);
    for (const client of clients) client.destroy();
    await Promise.allSettled(started.reverse().map((s) => s.stop()));
    for (const [key, value] of savedEnv) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    resetConfig();
  }
  const stop = () => {
    stopping ??= stopAll();
    return stopping;
  };

  try {
    let dynamodbEndpoint = options.emulators?.dynamodbEndpoint;
    let sqsEndpoint = options.emulators?.sqsEndpoint;
    if (!dynamodbEndpoint || !sqsEndpoint) {
      const dataPath = inMemory ? undefined : join(stateDir, 'dynamodb');
      if (dataPath) mkdirSync(dataPath, { recursive: true });
      const dynamo = await startDynamoDbLocal(dataPath ? { dataPath } : {});
      started.push(dynamo);
      if (dynamo.pid) options.onChildProcess?.(dynamo.pid);
      step(
        print,
        quiet,
        'dynamodb',
        `ready on ${dynamo.endpoint} (${dataPath ? `data in ${dataPath}` : 'in memory'})`,
      );
      // In a thread of its own: SQS requests are handled off this event loop.
      const sqs = await startSqsEmulatorThread().catch((err: unknown) => {
        // jest's VM cannot import the ESM-only fauxqs: say what to do instead.
        if (/dynamic import callback/.test(String((err as Error)?.message))) {
          throw new Error(
            'fauxqs cannot be loaded here (jest VM): pass `emulators: { dynamodbEndpoint, sqsEndpoint }` (the test run starts both)',
          );
        }
        throw err;
      });
      started.push(sqs);
      step(print, quiet, 'sqs', `ready on ${sqs.endpoint} (fauxqs in a worker thread, in memory)`);
      dynamodbEndpoint = dynamo.endpoint;
      sqsEndpoint = sqs.endpoint;
    }

    const dynamoClient = new DynamoDBClient({
      region,
      endpoint: dynamodbEndpoint,
      credentials: LOCAL_CREDENTIALS,
    });
    const sqsClient = new SQSClient({
      region,
      endpoint: sqsEndpoint,
      credentials: LOCAL_CREDENTIALS,
      useQueueUrlAsEndpoint: false,
      // The pollers' receives and deletes: the middleware stack resolved once per command class.
      cacheMiddleware: true,
    });
    clients.push(dynamoClient, sqsClient);

    const tableName = `${prefix}-table`;
    step(print, quiet, 'tables', `${tableName} ${await ensureTable(dynamoClient, tableName)}`);
    const inboundShards = options.inboundShards ?? 1;
    const queues = await ensureQueues(sqsClient, prefix, options.queueOverrides, inboundShards);
    const queueName = (url: string) => url.split('/').pop();
    step(
      print,
      quiet,
      'queues',
      `${queues.inboundShards.map((q) => queueName(q.url)).join(', ')}, ${queueName(queues.outbound.url)} (+ DLQs)`,
    );

    // The environment every function reads at its cold start (shared/config.ts).
    const keys = loadLocalKeys(inMemory ? undefined : stateDir);
    const fromUser = (name: string) => {
      const value = process.env[name];
      return value && value !== setByStacks.get(name) ? value : undefined;
    };
    const env: Record<string, string> = {
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
      AWS_ENDPOINT_URL_SQS: sqsEndpoint,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      TABLE_NAME: tableName,
      INBOUND_QUEUE_URL: queues.inbound.url,
      INBOUND_QUEUE_URLS: queues.inboundShards.map((q) => q.url).join(','),
      OUTBOUND_QUEUE_URL: queues.outbound.url,
      INBOUND_DLQ_URL: queues.inbound.dlqUrl,
      OUTBOUND_DLQ_URL: queues.outbound.dlqUrl,
      // The slot wait of a throttled reply depends on the receives left before the DLQ.
      OUTBOUND_MAX_RECEIVE_COUNT: String(
        options.queueOverrides?.outbound?.maxReceiveCount ?? OUTBOUND_QUEUE.maxReceiveCount,
      ),
      PUBLIC_BASE_URL: fromUser('PUBLIC_BASE_URL') ?? url,
      AGENT_API_URL: fromUser('AGENT_API_URL') ?? `${url}/agent`,
      AGENT_API_KEY: fromUser('AGENT_API_KEY') ?? keys.agentApiKey,
      WEBHOOK_SECRET_KEY: fromUser('WEBHOOK_SECRET_KEY') ?? keys.webhookSecretKey,
      TOKEN_HASH_KEY: fromUser('TOKEN_HASH_KEY') ?? keys.tokenHashKey,
      LOCAL_MODE: 'true',
      POWERTOOLS_SERVICE_NAME: fromUser('POWERTOOLS_SERVICE_NAME') ?? prefix,
      POWERTOOLS_METRICS_NAMESPACE: fromUser('POWERTOOLS_METRICS_NAMESPACE') ?? 'Chat2DeskChannelLocal',
      // Metrics would print one EMF document per invocation to the console; nothing collects them here.
      POWERTOOLS_METRICS_DISABLED: fromUser('POWERTOOLS_METRICS_DISABLED') ?? 'true',
      ...options.env,
    };
    for (const [key, value] of Object.entries(env)) {
      savedEnv.set(key, process.env[key]);
      if (process.env[key] !== value) setByStacks.set(key, value);
      process.env[key] = value;
    }
    resetConfig();

    // The sandbox and the demo agent: mounted under /sandbox and /agent of the same server.
    // With data kept, ids continue past the last run's: the connector remembers answered message
    // ids and dialogs' states, and a reused id would be taken for an old one.
    const mountedSandbox = createSandbox({ idsFromClock: !inMemory, ...options.sandbox });
    sandbox = mountedSandbox;
    const agent = createDemoAgent({
      apiKey: env.AGENT_API_KEY,
      publicUrl: `${(env.PUBLIC_BASE_URL ?? url).replace(/\/+$/, '')}/agent`,
    });

    // Counters from the functions' outcome lines: observed on the shared logger in this process,
    // or on the lines the threads send.
    const book = createCounterBook();
    const functionLog =
      options.functionLog ??
      ((line: string, stream: 'stdout' | 'stderr') => process[stream].write(`${line}\n`));
    const onThreadLog = (line: string, stream: 'stdout' | 'stderr') => {
      observeLogLine(book, line);
      functionLog(line, stream);
    };

    let bundled: Awaited<ReturnType<typeof buildFunctionBundles>> | undefined;
    if (options.bundles) {
      let dir: string;
      if (typeof options.bundles === 'string') dir = options.bundles;
      else if (inMemory) {
        dir = mkdtempSync(join(tmpdir(), `${prefix}-bundles-`));
        bundleDirToRemove = dir;
      } else dir = join(stateDir, 'bundles');
      bundled = await buildFunctionBundles(dir);
      step(
        print,
        quiet,
        'bundles',
        `${Object.keys(bundled.files).length} functions built in ${Math.round(bundled.buildMs)} ms into ${dir} (infra/constructs/function-bundling.ts)`,
      );
    }

    // Cold start: load the handlers now that their environment is set.
    const sourceOf = (key: keyof LocalHandlers): FunctionSource =>
      bundled
        ? { kind: 'bundle', file: bundled.files[key] }
        : { kind: 'source', file: join(REPO_ROOT, FUNCTION_ENTRIES[key]) };
    const lambdaEnv = (key: keyof LocalHandlers): Record<string, string> => ({
      ...lambdaEnvironment(functions[key]),
      ...(bundled ? { LAMBDA_TASK_ROOT: dirname(bundled.files[key]), _HANDLER: 'index.handler' } : {}),
    });
    const handlers = {} as LocalHandlers;
    for (const key of FUNCTION_KEYS) {
      const given = options.handlers?.[key];
      const startThreads = () => {
        const pool = startFunctionThreads({
          fn: functions[key],
          region,
          source: sourceOf(key),
          env: { ...process.env, ...lambdaEnv(key) },
          ...(bundled ? { threadFile: { file: bundled.threadFile, tsx: false } } : {}),
          threads: options.threadsPerFunction,
          onLog: onThreadLog,
          report,
        });
        threads[key] = pool;
        return pool.handler;
      };
      (handlers as unknown as Record<string, unknown>)[key] =
        given ?? (runtime === 'threads' ? startThreads() : importHandler(FUNCTION_ENTRIES[key]));
    }
    await Promise.all(Object.values(threads).map((t) => t.ready()));
    step(
      print,
      quiet,
      'handlers',
      `webhook, channels, worker, reply, webhook-healer loaded (${
        bundled
          ? 'bundles, one worker thread each'
          : runtime === 'threads'
            ? 'one worker thread each'
            : 'in this process'
      })`,
    );

    const pollerSettings = {
      sqs: sqsClient,
      region,
      concurrency: options.pollerConcurrency ?? LOCAL_SIZING.reply.maxConcurrency,
      // With shared emulators a stop waits for the long polls to end: keep them short there.
      waitTimeSeconds: options.waitTimeSeconds ?? (ownEmulators ? 20 : 2),
      report,
    };
    // One event source per inbound shard, each with its own batches in flight (as deployed).
    const inboundPollers = queues.inboundShards.map((shard) =>
      startSqsPoller({
        ...pollerSettings,
        queueUrl: shard.url,
        queueArn: shard.arn,
        fn: functions.worker,
        handler: handlers.worker,
        batchSize: LOCAL_SIZING.worker.batchSize,
      }),
    );
    pollers = {
      inbound: inboundPollers[0]!,
      inboundShards: inboundPollers,
      outbound: startSqsPoller({
        ...pollerSettings,
        queueUrl: queues.outbound.url,
        queueArn: queues.outbound.arn,
        fn: functions.reply,
        handler: handlers.reply,
        batchSize: LOCAL_SIZING.reply.batchSize,
      }),
    };
    step(
      print,
      quiet,
      'pollers',
      `${inboundShards > 1 ? `${inboundShards} inbound shards` : 'inbound'} → worker, outbound → reply (${pollerSettings.concurrency} batches each)`,
    );

    routes.webhook = { fn: functions.webhook, handler: handlers.webhook };
    routes.management = { fn: functions.channels, handler: handlers.channels };
    routes.sandbox = mountedSandbox;
    routes.agent = agent;
    // The console and the local-only state routes (counters, the bot's mute state for the desk).
    stopObserving = observeLogger(functionsLogger, book);
    const documents = DynamoDBDocumentClient.from(dynamoClient);
    routes.console = createConsoleApp();
    routes.onWebhook = (channelId, status, body) => book.observeWebhook(channelId, status, body);
    routes.state = createConnectorStateApp({
      book,
      channels: createChannelStore({ client: documents, tableName, tokenHashKey: env.TOKEN_HASH_KEY ?? '' }),
      conversations: createConversationStore({ client: documents, tableName, ownMessageTtlSeconds: 3600 }),
      sqs: sqsClient,
      deadLetterQueues: { inbound: queues.inbound.dlqUrl, outbound: queues.outbound.dlqUrl },
    });
    ready = true;

    // EventBridge's rule for the webhook healer. Its first run at start re-registers the webhooks
    // of channels kept active in .local/ (the sandbox forgets its webhooks when it stops).
    const healerIntervalMs = options.healerIntervalMs ?? LOCAL_SIZING.webhookHealer.everyMinutes * 60_000;
    healer = startSchedule({
      fn: functions.webhookHealer,
      handler: handlers.webhookHealer,
      intervalMs: healerIntervalMs,
      region,
      report,
    });
    const firstHeal = healer.runNow();
    step(
      print,
      quiet,
      'healer',
      healerIntervalMs > 0
        ? `webhook-healer now and every ${Math.round(healerIntervalMs / 60_000)} min`
        : 'webhook-healer once now',
    );

    return {
      url,
      port,
      host,
      tableName,
      queues,
      dynamodbEndpoint,
      sqsEndpoint,
      env,
      keptIn: inMemory ? undefined : stateDir,
      pollers,
      sandbox: mountedSandbox,
      agent,
      healer,
      firstHeal,
      childPids: started.map((s) => s.pid).filter((p): p is number => typeof p === 'number'),
      runtime,
      ...(bundled ? { bundles: bundled.files } : {}),
      threads,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
