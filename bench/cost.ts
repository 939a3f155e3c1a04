/**
 * Cost per million client messages (one agent reply each), from requests counted in one local run
 * and AWS list prices.
 *
 *   npm run bench:cost [-- <messages at 1/s = 40> <messages at 10/s = 300>] [--save <file>] [--baseline <file>]
 *
 * `--save` writes this run's per-message figures (cost items, DynamoDB by record, SQS by queue) as
 * JSON; `--baseline` reads such a file from an earlier run (the code before a change, same machine
 * state) and prints, below the two cost lines, what each decision of the cost work saved against
 * it (`savingsAgainst`).
 *
 * The whole local stack runs (`startLocalStack`), with counting proxies in front of DynamoDB Local
 * and fauxqs (bench/support/counting-proxy.ts: by X-Amz-Target, with DynamoDB's consumed capacity)
 * and in front of the stack's HTTP server, through which Chat2Desk's webhooks, the agent API and
 * the Chat2Desk API are reached: it counts webhook requests and adds the latencies assumed for a
 * real agent (1 s per event) and a real Chat2Desk (250 ms per sent message). Two phases, at 1 and
 * at 10 client messages per second; each phase's counts are divided by its messages. Then every
 * function's bundle, built as CDK builds it, handles representative invocations in a fresh process
 * for its peak memory (bench/support/peak-memory.ts). Nothing in the product's code is hooked.
 *
 * Durations are the local ones (this 2-core machine, emulators on loopback) plus the added
 * latencies; the model multiplies them by the deployed memory sizes (SIZING).
 */

import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FunctionName } from '../infra/constructs/function-bundling';
import { startDynamoDbLocal, startSqsEmulator } from '../infra/local/emulators';
import { buildFunctionBundles } from '../infra/local/runtime/bundles';
import { type LocalStack, startLocalStack } from '../infra/local/runtime/stack';
import { SIZING } from '../infra/stacks/stateless-stack';
import { DEFAULT_INBOUND_SHARDS } from '../shared/adapters/sqs/queue-definitions';
import { createActiveChannel } from './support/channels';
import { type Exchange, startAwsProxy, startFrontProxy } from './support/counting-proxy';
import { type Invocation, measurePeakMemory, type PeakMemory } from './support/peak-memory';
import { mean } from './support/stats';

// ---------------------------------------------------------------------------------------------
// AWS list prices, us-east-1, checked 2026-12; no free tier counted.
/** https://aws.amazon.com/api-gateway/pricing/ — HTTP APIs, first 300 M requests/month. */
const PRICE_HTTP_API_PER_M = 1.0;
/** https://aws.amazon.com/lambda/pricing/ — requests (all architectures). */
const PRICE_LAMBDA_REQUESTS_PER_M = 0.2;
/** https://aws.amazon.com/lambda/pricing/ — Arm, first 7.5 billion GB-s/month. */
const PRICE_LAMBDA_ARM_GB_SECOND = 0.0000133334;
/** https://aws.amazon.com/sqs/pricing/ — FIFO queues, per request (each 64 KB chunk is one). */
const PRICE_SQS_FIFO_PER_M = 0.5;
/** https://aws.amazon.com/dynamodb/pricing/on-demand/ — write / read request units. */
const PRICE_DDB_WRU_PER_M = 0.625;
const PRICE_DDB_RRU_PER_M = 0.125;
/** https://aws.amazon.com/cloudwatch/pricing/ — Logs, Standard class, data ingested. */
const PRICE_LOGS_PER_GB = 0.5;
/** https://aws.amazon.com/xray/pricing/ — traces recorded (only with the `tracing` parameter on). */
const PRICE_XRAY_PER_M_TRACES = 5.0;

// ---------------------------------------------------------------------------------------------
// Assumptions (printed with the result).
const AGENT_LATENCY_MS = 1000;
const CHAT2DESK_SEND_MS = 250;
/** Share of invocations that are cold starts (a steady rate keeps containers warm for minutes). */
const COLD_START_SHARE = 0.005;
/** Lambda gives a function memory/1769 of a vCPU: init measured here runs that much slower there. */
const FULL_VCPU_MB = 1769;
/** Lambda's SQS event source: long-polling connections per queue while idle, 20 s each. */
const IDLE_POLLERS_PER_QUEUE = 5;
/** The queues the event sources poll as deployed by default: the inbound shards and the outbound queue. */
const POLLED_QUEUES = DEFAULT_INBOUND_SHARDS + 1;
const IDLE_POLL_SECONDS = 20;
/** CloudWatch Logs meters each event with 26 bytes of overhead. */
const LOG_EVENT_OVERHEAD_BYTES = 26;
/** One HTTP API access-log line per webhook request, the stack's format with typical values. */
const ACCESS_LOG_LINE_BYTES = Buffer.byteLength(
  `${JSON.stringify({
    requestId: 'eXaMpLeReQuEsT=',
    requestTime: '01/Dec/2026:13:50:00 +0000',
    routeKey: 'POST /webhooks/chat2desk/{channelId}/{secret}',
    status: '200',
    responseLatency: '24',
    integrationLatency: '23',
    integrationError: '-',
    sourceIp: '203.0.113.10',
  })}\n`,
);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type QueueKind = 'inbound' | 'outbound' | 'inbound-dlq' | 'outbound-dlq';

function queueKind(url: unknown): QueueKind | undefined {
  if (typeof url !== 'string') return undefined;
  for (const kind of ['inbound-dlq', 'outbound-dlq', 'inbound', 'outbound'] as const) {
    if (url.includes(`-${kind}.fifo`)) return kind;
  }
  return undefined;
}

function json(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** `pk` of an item request, up to its first `#` (which record it is). */
function recordKind(body: Record<string, unknown>): string {
  const pkOf = (o: unknown) => {
    const pk = (o as { pk?: { S?: string } } | undefined)?.pk?.S;
    return pk ? (pk.split('#')[0] ?? pk) : undefined;
  };
  const batch = Object.values((body.RequestItems ?? {}) as Record<string, unknown>)[0];
  if (batch) {
    // A batch is named by the records it holds, joined with `+` (e.g. `sent+conv`).
    const items = Array.isArray(batch)
      ? batch.map((r) => pkOf((r as { PutRequest?: { Item?: unknown } }).PutRequest?.Item))
      : ((batch as { Keys?: unknown[] }).Keys ?? []).map(pkOf);
    return items.map((k) => k ?? '?').join('+');
  }
  return pkOf(body.Key) ?? pkOf(body.Item) ?? (body.TransactItems ? 'transaction' : '?');
}

const READ_OPS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);

interface Batch {
  queue: QueueKind;
  size: number;
  receivedAt: number;
  durationMs?: number;
}

class Tally {
  dynamo = new Map<string, { requests: number; units: number; read: boolean }>();
  sqs = new Map<string, number>();
  emptyReceives = 0;
  batches: Batch[] = [];
  private byHandle = new Map<string, Batch>();
  webhookMs: number[] = [];
  agentCalls = 0;
  chat2deskSends = 0;
  chat2deskOther = 0;
  logBytes = new Map<string, { lines: number; bytes: number }>();
  logMessages = new Map<string, { lines: number; bytes: number }>();
  /** The first line of each kind, printed as an example (ids only: no texts, no tokens). */
  logExamples = new Map<string, string>();
  /** CPU ms (user + system) of each function's thread over the phase. */
  cpuMs: Partial<Record<'webhook' | 'worker' | 'reply', number>> = {};
  /** The first body sent to each queue (replayed, with fresh ids, for the peak-memory runs). */
  samples: Partial<Record<QueueKind, { body: string; group: string }>> = {};

  onDynamo(e: Exchange): void {
    const body = json(e.requestBody);
    const kind = `${e.target} ${recordKind(body)}${body.ConsistentRead === true ? ' (consistent)' : ''}`;
    const consumed = json(e.responseBody).ConsumedCapacity as unknown;
    const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
    let units = 0;
    for (const c of list) units += Number((c as { CapacityUnits?: number }).CapacityUnits ?? 0);
    const row = this.dynamo.get(kind) ?? { requests: 0, units: 0, read: READ_OPS.has(e.target) };
    row.requests += 1;
    row.units += units;
    this.dynamo.set(kind, row);
  }

  onSqs(e: Exchange): void {
    const body = json(e.requestBody);
    const queue = queueKind(body.QueueUrl) ?? 'other';
    if (e.target === 'ReceiveMessage') {
      const messages = (json(e.responseBody).Messages as { ReceiptHandle: string }[] | undefined) ?? [];
      if (messages.length === 0) {
        this.emptyReceives += 1;
        return;
      }
      const batch: Batch = { queue: queue as QueueKind, size: messages.length, receivedAt: e.endedAt };
      this.batches.push(batch);
      for (const m of messages) this.byHandle.set(m.ReceiptHandle, batch);
    }
    if (e.target === 'DeleteMessageBatch' || e.target === 'DeleteMessage') {
      const entries = (body.Entries as { ReceiptHandle: string }[] | undefined) ?? [
        { ReceiptHandle: String(body.ReceiptHandle) },
      ];
      const batch = this.byHandle.get(entries[0]?.ReceiptHandle ?? '');
      if (batch && batch.durationMs === undefined) batch.durationMs = e.startedAt - batch.receivedAt;
    }
    if ((e.target === 'SendMessage' || e.target === 'SendMessageBatch') && queue !== 'other') {
      const first = (body.Entries as Record<string, unknown>[] | undefined)?.[0] ?? body;
      this.samples[queue as QueueKind] ??= {
        body: String(first.MessageBody),
        group: String(first.MessageGroupId),
      };
    }
    const key = `${e.target} ${queue}`;
    this.sqs.set(key, (this.sqs.get(key) ?? 0) + 1);
  }

  onLogLine(line: string): void {
    const parsed = json(line);
    const level = typeof parsed.level === 'string' ? parsed.level : parsed._aws ? 'EMF' : 'other';
    const bytes = Buffer.byteLength(line) + 1;
    const row = this.logBytes.get(level) ?? { lines: 0, bytes: 0 };
    row.lines += 1;
    row.bytes += bytes;
    this.logBytes.set(level, row);
    const msg =
      level === 'EMF'
        ? `EMF metrics ${Object.keys(parsed)
            .filter((k) => !['_aws', 'service'].includes(k))
            .join(',')}`
        : `${level} ${String(parsed.message ?? '?')}`;
    if (!this.logExamples.has(msg)) this.logExamples.set(msg, line);
    const m = this.logMessages.get(msg) ?? { lines: 0, bytes: 0 };
    m.lines += 1;
    m.bytes += bytes;
    this.logMessages.set(msg, m);
  }
}

/** The function's name a worker thread of the local runtime puts first in each JSON line. */
const THREAD_FUNCTION_NAME = /^\{"function_name":"[^"]*",/;

/** Every JSON log line the functions write (stdout or stderr of this process) goes to `tally()`. */
function tapLogs(tally: () => Tally | undefined): () => void {
  const originals = { out: process.stdout.write, err: process.stderr.write };
  const wrap = (original: typeof process.stdout.write) =>
    function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
      const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : '';
      const lines = text.split('\n');
      const others: string[] = [];
      for (const written of lines) {
        // As CloudWatch would get it: the local runtime's threads name the function in each line
        // (infra/local/runtime/function-thread.ts); in AWS the log group does.
        const line = written.replace(THREAD_FUNCTION_NAME, '{');
        // Powertools log lines, and the metrics' EMF documents (CloudWatch ingests both as logs).
        if (line.startsWith('{"_aws"') || (line.startsWith('{') && line.includes('"level"')))
          tally()?.onLogLine(line);
        else others.push(written);
      }
      const rest0 = others.join('\n');
      if (rest0.trim() === '') return true;
      return (original as (c: string, ...r: unknown[]) => boolean).call(this, rest0, ...rest);
    } as typeof process.stdout.write;
  process.stdout.write = wrap(originals.out);
  process.stderr.write = wrap(originals.err);
  return () => {
    process.stdout.write = originals.out;
    process.stderr.write = originals.err;
  };
}

interface PhaseResult {
  rate: number;
  messages: number;
  tally: Tally;
  seconds: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.floor((s.length - 1) / 2)] ?? 0) : 0;
};
const usd = (n: number) => `$${n.toFixed(2)}`;

interface CostLine {
  item: string;
  quantity: string;
  perMillion: number;
}

function costOf(phase: PhaseResult, peaks: PeakMemory[]): { lines: CostLine[]; total: number } {
  const t = phase.tally;
  const n = phase.messages;
  const lines: CostLine[] = [];
  const add = (item: string, quantity: string, perMillion: number) =>
    lines.push({ item, quantity, perMillion });

  const webhooks = t.webhookMs.length / n;
  add('HTTP API requests', `${webhooks.toFixed(2)} /msg`, webhooks * PRICE_HTTP_API_PER_M);

  const invocations: Record<'webhook' | 'worker' | 'reply', { count: number; ms: number[] }> = {
    webhook: { count: t.webhookMs.length, ms: t.webhookMs },
    worker: { count: 0, ms: [] },
    reply: { count: 0, ms: [] },
  };
  for (const b of t.batches) {
    const fn = b.queue === 'inbound' ? 'worker' : b.queue === 'outbound' ? 'reply' : undefined;
    if (!fn) continue;
    invocations[fn].count += 1;
    if (b.durationMs !== undefined) invocations[fn].ms.push(b.durationMs);
  }
  const totalInvocations = Object.values(invocations).reduce((a, v) => a + v.count, 0) / n;
  add(
    'Lambda requests',
    `${totalInvocations.toFixed(2)} /msg`,
    totalInvocations * PRICE_LAMBDA_REQUESTS_PER_M,
  );
  for (const [fn, inv] of Object.entries(invocations) as [
    keyof typeof invocations,
    typeof invocations.webhook,
  ][]) {
    const memoryGb = SIZING[fn].memorySize / 1024;
    // The CPU of an invocation runs here on a whole core; in Lambda on memory/1769 of a vCPU, so
    // each of its ms takes 1769/memory ms there: the local duration plus that difference.
    const cpuMs = (t.cpuMs[fn] ?? 0) / Math.max(1, inv.count);
    const slowdown = Math.max(0, FULL_VCPU_MB / SIZING[fn].memorySize - 1);
    const slowerMs = cpuMs * slowdown;
    const billedSeconds = inv.ms.reduce((a, ms) => a + Math.ceil(ms + slowerMs), 0) / 1000;
    // Invocations whose end was not seen (a failed batch) are billed at the mean.
    const seconds = (billedSeconds / Math.max(1, inv.ms.length)) * inv.count;
    const gbs = (seconds * memoryGb) / n;
    add(
      `Lambda ${fn} duration (${SIZING[fn].memorySize} MB, mean ${mean(inv.ms).toFixed(0)} ms + CPU ${cpuMs.toFixed(1)} ms × ${slowdown.toFixed(1)})`,
      `${(gbs * 1e6).toFixed(0)} GB-s /M`,
      gbs * 1e6 * PRICE_LAMBDA_ARM_GB_SECOND,
    );
  }
  let coldGbs = 0;
  for (const [fn, inv] of Object.entries(invocations) as [FunctionName, { count: number }][]) {
    const memory = SIZING[fn].memorySize;
    const peak = peaks.find((p) => p.fn === fn && p.memoryMb === memory);
    const initSeconds = ((peak?.initMs ?? 200) * Math.max(1, FULL_VCPU_MB / memory)) / 1000;
    coldGbs += ((inv.count * COLD_START_SHARE) / n) * initSeconds * (memory / 1024);
  }
  add(
    'Lambda cold-start init (billed)',
    `${(coldGbs * 1e6).toFixed(0)} GB-s /M`,
    coldGbs * 1e6 * PRICE_LAMBDA_ARM_GB_SECOND,
  );

  let sqsRequests = 0;
  for (const v of t.sqs.values()) sqsRequests += v;
  const idle = (POLLED_QUEUES * IDLE_POLLERS_PER_QUEUE) / IDLE_POLL_SECONDS / phase.rate;
  add(
    'SQS FIFO requests (measured)',
    `${(sqsRequests / n).toFixed(2)} /msg`,
    (sqsRequests / n) * PRICE_SQS_FIFO_PER_M,
  );
  add('SQS idle long polls (modelled)', `${idle.toFixed(2)} /msg`, idle * PRICE_SQS_FIFO_PER_M);

  let wru = 0;
  let rru = 0;
  for (const row of t.dynamo.values()) {
    if (row.read) rru += row.units;
    else wru += row.units;
  }
  add('DynamoDB writes', `${(wru / n).toFixed(2)} WRU /msg`, (wru / n) * PRICE_DDB_WRU_PER_M);
  add('DynamoDB reads', `${(rru / n).toFixed(2)} RRU /msg`, (rru / n) * PRICE_DDB_RRU_PER_M);

  let logBytes = 0;
  for (const [level, row] of t.logBytes) {
    if (level === 'DEBUG') continue;
    logBytes += row.bytes + row.lines * LOG_EVENT_OVERHEAD_BYTES;
  }
  const accessLogBytes = webhooks * (ACCESS_LOG_LINE_BYTES + LOG_EVENT_OVERHEAD_BYTES);
  const perMsgLogBytes = logBytes / n + accessLogBytes;
  add(
    'CloudWatch Logs (functions + API access log)',
    `${perMsgLogBytes.toFixed(0)} B /msg`,
    (perMsgLogBytes * 1e6 * PRICE_LOGS_PER_GB) / 1e9,
  );
  add('X-Ray (tracing off, the default)', '0', 0);

  return { lines, total: lines.reduce((a, l) => a + l.perMillion, 0) };
}

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** `--save <file>` / `--baseline <file>`, and the positional message counts. */
function parseArgs(argv: string[]): { counts: number[]; save?: string; baseline?: string } {
  const counts: number[] = [];
  const out: { counts: number[]; save?: string; baseline?: string } = { counts };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--save' || arg === '--baseline') {
      i += 1;
      const file = argv[i];
      if (!file) throw new Error(`${arg} needs a file name`);
      out[arg === '--save' ? 'save' : 'baseline'] = file;
    } else counts.push(Number(arg));
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const slowCount = args.counts[0] ?? 40;
  const fastCount = args.counts[1] ?? 300;
  // Read before the run: a wrong file name fails at once, not after minutes.
  const baseline = args.baseline
    ? (JSON.parse(readFileSync(args.baseline, 'utf8')) as RunFigures)
    : undefined;
  let current: Tally | undefined;
  const untap = tapLogs(() => current);
  const print = (line = '') => process.stdout.write(`${line}\n`);

  const dynamo = await startDynamoDbLocal();
  const sqs = await startSqsEmulator();
  const ddbProxy = await startAwsProxy({
    upstream: dynamo.endpoint,
    askConsumedCapacity: true,
    onExchange: (e) => current?.onDynamo(e),
  });
  const sqsProxy = await startAwsProxy({ upstream: sqs.endpoint, onExchange: (e) => current?.onSqs(e) });
  let stackUrl = '';
  const front = await startFrontProxy({
    upstream: () => stackUrl,
    delayFor: (method, path) =>
      method === 'POST' && /^\/agent\/agents\/[^/]+\/events$/.test(path)
        ? AGENT_LATENCY_MS
        : method === 'POST' && path === '/sandbox/v1/messages'
          ? CHAT2DESK_SEND_MS
          : 0,
    onExchange: (x) => {
      if (!current) return;
      if (x.method === 'POST' && x.path.startsWith('/webhooks/')) current.webhookMs.push(x.upstreamMs);
      else if (x.path.startsWith('/agent/agents/') && x.method === 'POST') current.agentCalls += 1;
      else if (x.path === '/sandbox/v1/messages' && x.method === 'POST') current.chat2deskSends += 1;
      else if (x.path.startsWith('/sandbox/v1/')) current.chat2deskOther += 1;
    },
  });

  const stack = await startLocalStack({
    port: 0,
    inMemory: true,
    quiet: true,
    prefix: `cost-${randomBytes(3).toString('hex')}`,
    emulators: { dynamodbEndpoint: ddbProxy.url, sqsEndpoint: sqsProxy.url },
    waitTimeSeconds: 5,
    healerIntervalMs: 0,
    env: {
      PUBLIC_BASE_URL: front.url,
      AGENT_API_URL: `${front.url}/agent`,
      POWERTOOLS_LOG_LEVEL: 'INFO',
      // As in AWS: the metrics' EMF documents are log lines too.
      POWERTOOLS_METRICS_DISABLED: 'false',
      CHAT2DESK_RATE_LIMIT_PER_SECOND: '1000',
    },
    report: () => undefined,
  });
  stackUrl = stack.url;
  const peaks: PeakMemory[] = [];
  const phases: PhaseResult[] = [];
  try {
    await stack.firstHeal;
    const token = `cost-token-${randomBytes(8).toString('hex')}`;
    const channelId = await createActiveChannel(stack.url, {
      agentId: 'cost-agent',
      name: 'Cost',
      apiUrl: `${front.url}/sandbox`,
      token,
    });

    const runPhase = async (rate: number, count: number, clients: number, label: string) => {
      const tally = new Tally();
      current = tally;
      const cpuFns = ['webhook', 'worker', 'reply'] as const;
      const threadCpu = (fn: (typeof cpuFns)[number]) => stack.threads[fn]?.cpu().cpuMs ?? 0;
      const cpuBefore = cpuFns.map(threadCpu);
      const started = performance.now();
      const expected: { client: string; text: string }[] = [];
      for (let i = 0; i < count; i += 1) {
        const due = started + (i * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        const client = String(300_001 + (i % clients));
        const text = `${label}-${i}`;
        expected.push({ client, text: `You said: ${text}` });
        void stack.sandbox.clientMessage(token, client, { text });
      }
      await waitFor(
        () =>
          expected.every(({ client, text }) =>
            stack.sandbox.transcript(token, client).some((m) => m.direction === 'out' && m.text === text),
          ),
        120_000,
        `the replies at ${rate}/s`,
      );
      // Then every echo handled: each queue's sends deleted again.
      const settled = () => {
        const sent = (q: string) =>
          (tally.sqs.get(`SendMessage ${q}`) ?? 0) + (tally.sqs.get(`SendMessageBatch ${q}`) ?? 0);
        const handled = (q: QueueKind) =>
          tally.batches
            .filter((b) => b.queue === q && b.durationMs !== undefined)
            .reduce((a, b) => a + b.size, 0);
        return handled('inbound') >= sent('inbound') && handled('outbound') >= sent('outbound');
      };
      await waitFor(settled, 60_000, 'the queues to drain');
      await sleep(1500);
      cpuFns.forEach((fn, i) => {
        tally.cpuMs[fn] = threadCpu(fn) - cpuBefore[i]!;
      });
      current = undefined;
      phases.push({ rate, messages: count, tally, seconds: (performance.now() - started) / 1000 });
    };

    print(
      `cost bench: ${slowCount} messages at 1/s over 5 dialogs, then ${fastCount} at 10/s over 20 dialogs`,
    );
    await runPhase(1, slowCount, 5, 'slow');
    await runPhase(10, fastCount, 20, 'fast');
    reportPhases(phases, print);

    // Peak memory of each bundle, in a fresh process, with invocations built from this run.
    print('peak memory: building the bundles as CDK does and invoking them in fresh processes ...');
    const dir = mkdtempSync(join(tmpdir(), 'cost-bundles-'));
    try {
      const bundles = (await buildFunctionBundles(dir)).files;
      const invocations = representativeInvocations(stack, phases[0]!.tally, channelId);
      peaks.push(
        ...(await measurePeakMemory(bundles, invocations, stack.env, (fn) => SIZING[fn].memorySize)),
      );
      // The functions deployed above the smallest size, once more with its heap limits: the
      // figure that says whether they would fit in it.
      const larger = Object.fromEntries(
        Object.entries(invocations).filter(([fn]) => SIZING[fn as FunctionName].memorySize > MIN_MEMORY_MB),
      );
      peaks.push(...(await measurePeakMemory(bundles, larger, stack.env, () => MIN_MEMORY_MB)));
    } catch (err) {
      print(`peak memory not measured: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    current = undefined;
    await stack.stop();
    await Promise.allSettled([ddbProxy.stop(), sqsProxy.stop(), front.stop()]);
    await Promise.allSettled([dynamo.stop(), sqs.stop()]);
    untap();
  }
  const figures = report(phases, peaks, print);
  if (args.save) writeFileSync(args.save, `${JSON.stringify(figures, null, 2)}\n`);
  if (baseline) printSavings(savingsAgainst(baseline, figures), print);
}

function sqsRecord(body: string, group: string, queueArn: string) {
  const now = String(Date.now());
  return {
    messageId: randomUUID(),
    receiptHandle: randomBytes(16).toString('hex'),
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: now,
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: now,
      MessageGroupId: group,
      MessageDeduplicationId: randomUUID(),
      SequenceNumber: now,
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: 'us-east-1',
  };
}

/** Invocations like the ones the run just made: its own webhook bodies, queue bodies, commands. */
function representativeInvocations(stack: LocalStack, tally: Tally, channelId: string) {
  const fn = (name: string) => `${stack.env.POWERTOOLS_SERVICE_NAME ?? 'cost'}-${name}`;
  const delivery = stack.sandbox.deliveries.find((d) => d.hookType === 'inbox' && d.status === 200);
  if (!delivery) throw new Error('no webhook delivery to replay');
  const url = new URL(delivery.url);
  const [, , , id, secret] = url.pathname.split('/');
  const webhookEvent = (body: string) => ({
    version: '2.0',
    routeKey: 'POST /webhooks/chat2desk/{channelId}/{secret}',
    rawPath: url.pathname,
    rawQueryString: '',
    headers: {
      'content-type': 'application/json',
      'x-timestamp': delivery.timestamp,
      ...(delivery.signature ? { 'x-signature': delivery.signature } : {}),
    },
    pathParameters: { channelId: id, secret },
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: url.host,
      domainPrefix: 'local',
      http: {
        method: 'POST',
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'bench',
      },
      requestId: randomUUID(),
      routeKey: 'POST /webhooks/chat2desk/{channelId}/{secret}',
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
    body,
    isBase64Encoded: false,
  });
  const { inbound, outbound } = tally.samples;
  if (!inbound || !outbound)
    throw new Error(`no queue bodies captured to replay (${[...tally.sqs.keys()].join(', ')})`);
  // Fresh Chat2Desk message ids: each worker record is a new event (the agent is called).
  const inboundBody = () => {
    const queued = JSON.parse(inbound.body) as { body: string };
    const event = {
      ...(JSON.parse(queued.body) as object),
      message_id: 9_000_000 + Math.floor(Math.random() * 1e6),
    };
    return JSON.stringify({ ...queued, body: JSON.stringify(event), receivedAt: new Date().toISOString() });
  };
  // Fresh reply ids: each reply record is sent.
  const outboundBody = () => {
    const queued = JSON.parse(outbound.body) as { eventId: string };
    const eventId = `${queued.eventId}-peak-${randomBytes(4).toString('hex')}`;
    return JSON.stringify({ ...queued, eventId, replyId: `${eventId}:0` });
  };
  const batches = (count: number, size: number, make: () => ReturnType<typeof sqsRecord>) =>
    Array.from({ length: count }, () => ({ Records: Array.from({ length: size }, make) }));
  const inv = (name: string, timeoutMs: number, events: unknown[]): Invocation[] =>
    events.map((event) => ({ event, functionName: fn(name), timeoutMs }));
  return {
    webhook: inv(
      'webhook',
      SIZING.webhook.timeoutSeconds * 1000,
      Array.from({ length: 20 }, () => webhookEvent(delivery.body)),
    ),
    worker: inv(
      'worker',
      SIZING.worker.timeoutSeconds * 1000,
      batches(3, SIZING.worker.batchSize, () =>
        sqsRecord(inboundBody(), inbound.group, stack.queues.inbound.arn),
      ),
    ),
    reply: inv(
      'reply',
      SIZING.reply.timeoutSeconds * 1000,
      batches(2, SIZING.reply.batchSize, () =>
        sqsRecord(outboundBody(), outbound.group, stack.queues.outbound.arn),
      ),
    ),
    channels: inv('channels', SIZING.channels.timeoutSeconds * 1000, [
      { action: 'list', agentId: 'cost-agent' },
      { action: 'get', channelId },
      {
        action: 'create',
        agentId: 'cost-agent',
        channel: {
          name: 'Peak',
          apiUrl: `${stack.env.PUBLIC_BASE_URL}/sandbox`,
          token: `peak-${randomBytes(8).toString('hex')}`,
        },
        activate: true,
      },
      { action: 'list', agentId: 'cost-agent' },
    ]),
    webhookHealer: inv('webhook-healer', SIZING.webhookHealer.timeoutSeconds * 1000, [
      {
        version: '0',
        id: randomUUID(),
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: '000000000000',
        time: new Date().toISOString(),
        region: 'us-east-1',
        resources: [],
        detail: {},
      },
    ]),
  } satisfies Partial<Record<FunctionName, Invocation[]>>;
}

function reportPhases(phases: PhaseResult[], print: (l?: string) => void): void {
  print();
  for (const phase of phases) {
    const t = phase.tally;
    const n = phase.messages;
    print(`== ${phase.rate} msg/s: ${n} client messages in ${phase.seconds.toFixed(1)} s`);
    print(
      `   webhook requests ${(t.webhookMs.length / n).toFixed(2)}/msg (median ${median(t.webhookMs).toFixed(1)} ms), agent calls ${(t.agentCalls / n).toFixed(2)}/msg, Chat2Desk sends ${(t.chat2deskSends / n).toFixed(2)}/msg`,
    );
    for (const q of ['inbound', 'outbound'] as const) {
      const bs = t.batches.filter((b) => b.queue === q);
      const ds = bs.flatMap((b) => (b.durationMs === undefined ? [] : [b.durationMs]));
      const fnName = q === 'inbound' ? 'worker' : 'reply';
      print(
        `   ${fnName}: ${bs.length} invocations (${(bs.length / n).toFixed(2)}/msg), batch size mean ${mean(bs.map((b) => b.size)).toFixed(2)} max ${Math.max(0, ...bs.map((b) => b.size))}, duration median ${median(ds).toFixed(0)} ms mean ${mean(ds).toFixed(0)} ms`,
      );
    }
    print('   SQS requests per message:');
    for (const [k, v] of [...t.sqs].sort()) print(`     ${k.padEnd(34)} ${(v / n).toFixed(3)}`);
    print(`     (empty long polls of the local pollers, not counted: ${t.emptyReceives})`);
    print('   DynamoDB requests per message (operation, record, read mode): requests, capacity units');
    let ops = 0;
    for (const [k, v] of [...t.dynamo].sort()) {
      ops += v.requests;
      print(
        `     ${k.padEnd(42)} ${(v.requests / n).toFixed(3)}  ${(v.units / n).toFixed(3)} ${v.read ? 'RRU' : 'WRU'}`,
      );
    }
    print(`     total ${(ops / n).toFixed(2)} requests per message`);
    let logBytes = 0;
    let logLines = 0;
    for (const [level, row] of t.logBytes) {
      if (level === 'DEBUG') continue;
      logBytes += row.bytes;
      logLines += row.lines;
    }
    print(
      `   logs (all functions, INFO and above): ${(logBytes / n).toFixed(0)} bytes, ${(logLines / n).toFixed(2)} lines per message`,
    );
    for (const [m, row] of [...t.logMessages].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 8)) {
      print(`     ${(row.bytes / n).toFixed(0).padStart(5)} B  ${(row.lines / n).toFixed(2)} lines  ${m}`);
    }
    if (phase === phases[0]) {
      print('   example lines:');
      for (const line of t.logExamples.values()) if (!line.startsWith('{"_aws"')) print(`     ${line}`);
    }
    print();
  }
}

/** The smallest memory size the sizing rule gives. */
const MIN_MEMORY_MB = 128;

/** The sizing rule of docs/DEPLOY.md ("Memory sizes"): peak × 1.5, rounded up to 64 MB, ≥ 128 MB. */
function suggestedMemoryMb(peakMb: number): number {
  return Math.max(MIN_MEMORY_MB, Math.ceil((peakMb * 1.5) / 64) * 64);
}

function report(phases: PhaseResult[], peaks: PeakMemory[], print: (l?: string) => void): RunFigures {
  print(
    '== peak memory of the bundles (fresh node process with the node flags of the size it runs at, representative invocations)',
  );
  print(
    '   function       runs at  invocations  after init  peak RSS  init   deployed  peak × 1.5 in 64 MB steps (≥ 128)',
  );
  for (const p of peaks) {
    const size = SIZING[p.fn].memorySize;
    print(
      `   ${p.fn.padEnd(14)} ${String(p.memoryMb).padStart(4)} MB  ${String(p.invocations).padStart(11)}  ${p.afterInitMb.toFixed(0).padStart(7)} MB  ${p.peakMb.toFixed(0).padStart(5)} MB  ${p.initMs.toFixed(0).padStart(3)} ms  ${String(size).padStart(4)} MB  ${suggestedMemoryMb(p.peakMb)} MB${p.failures ? `  (${p.failures} invocation(s) failed)` : ''}`,
    );
    for (const line of p.errors) print(`      ${line}`);
  }
  print();

  const totals: { rate: number; total: number }[] = [];
  for (const phase of phases) {
    const { lines, total } = costOf(phase, peaks);
    print(`== cost per million messages at ${phase.rate} msg/s (us-east-1 list prices, arm64, no free tier)`);
    print(`   ${'item'.padEnd(58)} ${'quantity'.padEnd(18)} per million`);
    for (const l of lines)
      print(`   ${l.item.padEnd(58)} ${l.quantity.padEnd(18)} ${usd(l.perMillion).padStart(8)}`);
    print(`   ${'total'.padEnd(58)} ${''.padEnd(18)} ${usd(total).padStart(8)}`);
    print();
    totals.push({ rate: phase.rate, total });
  }
  print('assumptions:');
  print(
    `  - agent latency ${AGENT_LATENCY_MS} ms per event, Chat2Desk send ${CHAT2DESK_SEND_MS} ms per message (added by the front proxy); one text reply per message, and its outbox echo comes back as a webhook (Chat2Desk sends one for every message)`,
  );
  print(
    '  - batch sizes and durations as measured in this run (local pollers: 2 batches in flight per queue, the deployed batch sizes); durations are local ones, billed rounded up to 1 ms',
  );
  print(
    `  - durations: each invocation's local duration plus its CPU (its function thread's, measured here on a whole core) × (${FULL_VCPU_MB}/memory MB − 1): Lambda gives the function that share of a vCPU`,
  );
  print(
    `  - cold starts: ${COLD_START_SHARE * 100}% of invocations, each billed its module init measured here × ${FULL_VCPU_MB}/memory MB (Lambda's CPU share)`,
  );
  print(
    `  - idle receives: Lambda's event source keeps ${IDLE_POLLERS_PER_QUEUE} long polls of ${IDLE_POLL_SECONDS} s per queue (${POLLED_QUEUES} queues: ${DEFAULT_INBOUND_SHARDS} inbound shards and the outbound queue, as deployed by default), an upper bound while messages flow`,
  );
  print(
    `  - logs: the functions' JSON lines (INFO) as written here + ${LOG_EVENT_OVERHEAD_BYTES} B per event, one HTTP API access-log line (${ACCESS_LOG_LINE_BYTES} B) per webhook; the platform's START/END/REPORT lines are off (system log level WARN)`,
  );
  print(
    `  - X-Ray off (the default \`tracing=off\`); with \`tracing=active\` add ${usd(PRICE_XRAY_PER_M_TRACES)} per million traces recorded (the sampling rate decides how many)`,
  );
  print(
    '  - not per message: alarms, dashboard, secrets, the KMS key, custom metrics, storage, PITR (docs/PERFORMANCE.md)',
  );
  print();
  for (const { rate, total } of totals) print(`cost per million messages at ${rate} msg/s: ${usd(total)}`);
  return { phases: phases.map((phase) => phaseFigures(phase, peaks)) };
}

// ---------------------------------------------------------------------------------------------
// What each decision of the cost work saved, against a saved run of the code before it.

/** One phase's figures per client message, as `--save` writes them. */
interface PhaseFigures {
  rate: number;
  total: number;
  /** Cost lines, $ per million messages, by item (the worker's duration line without its mean). */
  items: Record<string, number>;
  /** DynamoDB $ per million messages, by record kind (`pk` up to its first `#`). */
  dynamoByRecord: Record<string, number>;
  /** SQS requests per message, by queue (`inbound`, `outbound`, …). */
  sqsByQueue: Record<string, number>;
  workerInvocations: number;
}

interface RunFigures {
  phases: PhaseFigures[];
}

/** An item's name without its measured figures in parentheses: the same line in both runs. */
const itemKey = (item: string) => item.replace(/\s*\(.*\)$/, '');

function phaseFigures(phase: PhaseResult, peaks: PeakMemory[]): PhaseFigures {
  const n = phase.messages;
  const { lines, total } = costOf(phase, peaks);
  const dynamoByRecord: Record<string, number> = {};
  for (const [kind, row] of phase.tally.dynamo) {
    const record = kind.split(' ')[1] ?? '?';
    const price = row.read ? PRICE_DDB_RRU_PER_M : PRICE_DDB_WRU_PER_M;
    dynamoByRecord[record] = (dynamoByRecord[record] ?? 0) + (row.units / n) * price;
  }
  const sqsByQueue: Record<string, number> = {};
  for (const [key, count] of phase.tally.sqs) {
    const queue = key.split(' ')[1] ?? 'other';
    sqsByQueue[queue] = (sqsByQueue[queue] ?? 0) + count / n;
  }
  return {
    rate: phase.rate,
    total,
    items: Object.fromEntries(lines.map((l) => [itemKey(l.item), l.perMillion])),
    dynamoByRecord,
    sqsByQueue,
    workerInvocations: phase.tally.batches.filter((b) => b.queue === 'inbound').length / n,
  };
}

/**
 * The decisions of the cost work (issue "Half the work per message") and the cost lines each one
 * moves; each line is given to one decision only, so the parts add up to the whole difference.
 * - Decision 2, our own echo dropped at the webhook: the inbound queue's requests, the worker's
 *   invocations (Lambda requests) and its duration, the log lines (the echo's worker line and
 *   metrics), and the webhook requests and duration (echoes no longer use a channel's admission).
 * - Decision 3, the worker's one record: the worker's agent-call records (`idem`, `calls`).
 * - Decision 3, the reply's one record per part: the send records (`sent`, `intent`, `echo`).
 * - Decision 4, several sends per schedule write: the schedule (`rate`, and `slots` reservations).
 * Whatever else moved (the reply's duration, the other records, the outbound queue) is "other":
 * mostly the local durations, which move with the machine's load between two runs.
 */
const DECISIONS: Array<{
  name: string;
  records?: string[];
  items?: string[];
  inboundQueue?: boolean;
}> = [
  {
    name: 'decision 2, own echo dropped at the webhook',
    inboundQueue: true,
    // HTTP API: an echo no longer takes from its channel's admission (fewer 429s and retries).
    items: [
      'HTTP API requests',
      'Lambda requests',
      'Lambda webhook duration',
      'Lambda worker duration',
      'CloudWatch Logs',
    ],
  },
  { name: "decision 3, the worker's one agent-call record", records: ['idem', 'calls'] },
  {
    name: "decision 3, the reply's one record per part",
    records: ['sent', 'intent', 'echo', 'sent+echo', 'sent+conv'],
  },
  { name: 'decision 4, several sends per schedule write', records: ['rate', 'slots'] },
];

interface Saving {
  rate: number;
  before: number;
  after: number;
  byDecision: Array<{ name: string; saved: number }>;
  other: number;
}

function savingsAgainst(before: RunFigures, after: RunFigures): Saving[] {
  const result: Saving[] = [];
  for (const now of after.phases) {
    const then = before.phases.find((p) => p.rate === now.rate);
    if (!then) continue;
    const itemDelta = (item: string) => (then.items[item] ?? 0) - (now.items[item] ?? 0);
    const recordDelta = (record: string) =>
      (then.dynamoByRecord[record] ?? 0) - (now.dynamoByRecord[record] ?? 0);
    const inboundDelta =
      ((then.sqsByQueue.inbound ?? 0) - (now.sqsByQueue.inbound ?? 0)) * PRICE_SQS_FIFO_PER_M;
    const byDecision = DECISIONS.map((d) => {
      let saved = 0;
      for (const item of d.items ?? []) {
        const key = Object.keys({ ...then.items, ...now.items }).find((k) => k.startsWith(item));
        if (key) saved += itemDelta(key);
      }
      for (const record of d.records ?? []) saved += recordDelta(record);
      if (d.inboundQueue) saved += inboundDelta;
      return { name: d.name, saved };
    });
    const total = then.total - now.total;
    result.push({
      rate: now.rate,
      before: then.total,
      after: now.total,
      byDecision,
      other: total - byDecision.reduce((a, d) => a + d.saved, 0),
    });
  }
  return result;
}

function printSavings(savings: Saving[], print: (l?: string) => void): void {
  const signed = (n: number) => `${n < 0 ? '-' : ''}${usd(Math.abs(n))}`;
  for (const s of savings) {
    print(`saved at ${s.rate} msg/s against the baseline (${usd(s.before)} → ${usd(s.after)}):`);
    for (const d of s.byDecision) print(`  ${d.name.padEnd(52)} ${signed(d.saved).padStart(7)}`);
    print(`  ${'other (local durations, other records)'.padEnd(52)} ${signed(s.other).padStart(7)}`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
