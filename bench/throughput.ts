/**
 * Throughput of the local stack: RATE client messages per second across ACCOUNTS Chat2Desk
 * accounts (one active channel each) for SECONDS seconds, open loop, through the whole pipeline
 * (sandbox → signed webhook → webhook function → inbound FIFO → worker → demo agent → outbound
 * FIFO → reply function → Chat2Desk send accepted by the sandbox).
 *
 *   npm run bench:throughput -- [rate=60] [seconds=60] [accounts=20] [pollers=10] [--bundles]
 *   npm run bench:throughput -- --find-capacity [seconds=60] [accounts=20] [pollers=10] [--from=10] [--step=10] [--to=100]
 *
 * Prints lost and duplicated replies, end-to-end latency (the client message created in the
 * sandbox → the bot's message accepted by the sandbox, both the sandbox's own timestamps) and the
 * CPU time per message by component, measured over the same run:
 * - each function: user+system CPU of its worker thread(s) (/proc/self/task/<tid>/stat);
 * - fauxqs: its worker thread; DynamoDB Local: utime+stime of the java process (/proc/<pid>/stat);
 * - the main thread (sandbox, demo agent, SQS pollers and HTTP routing): its CPU split in the
 *   proportions of a sampling profile of that thread (each sample to the innermost frame of a
 *   known component);
 * - the rest of this process (V8's GC helpers, libuv's pool): process.cpuUsage() minus the above.
 * Exits 1 unless 0 lost, 0 duplicates and p99 ≤ 2 s. `--in-process` runs the functions in the
 * main thread instead (for comparison); THROUGHPUT_TASKS=1 lists every thread of the process
 * with its CPU (V8's platform threads do the GC and JIT work of all isolates).
 *
 * `--find-capacity` runs phases of SECONDS s on one stack at rising rates (`--from`, `--step`,
 * `--to`), then narrows between the last rate that held and the first that missed to 5/s, and
 * prints the highest rate at which 0 lost, 0 duplicates and p99 ≤ 2 s hold; exits 1 below 50/s.
 */

import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { cpus, loadavg, totalmem } from 'node:os';
import { startDynamoDbLocal, startSqsEmulatorThread } from '../infra/local/emulators';
import { type LocalStack, startLocalStack } from '../infra/local/runtime/stack';
import { threadCpuMs } from '../infra/local/runtime/thread-cpu';
import { createActiveChannel } from './support/channels';
import { percentile } from './support/stats';

const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

/** CPU ms (user + system) of a process, from /proc/<pid>/stat (clock ticks of 10 ms). */
function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface ProfileNode {
  id: number;
  callFrame: { url: string; functionName: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const COMPONENTS: [string, RegExp][] = [
  ['sandbox', /infra\/local\/sandbox\//],
  ['demo agent', /infra\/local\/demo-agent\//],
  ['pollers + HTTP routing', /infra\/local\/runtime\/|@aws-sdk|@smithy/],
];

/** Main-thread CPU ms by component: every sample to the innermost frame of a component. */
function splitProfile(profile: Profile): Record<string, number> {
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const componentOf = new Map<number, string>();
  const resolve = (id: number): string => {
    const known = componentOf.get(id);
    if (known) return known;
    const node = byId.get(id)!;
    const name = node.callFrame.functionName;
    let component: string | undefined;
    if (name === '(idle)') component = 'idle';
    else if (name === '(garbage collector)') component = 'GC';
    else component = COMPONENTS.find(([, re]) => re.test(node.callFrame.url))?.[0];
    if (!component) {
      const up = parent.get(id);
      component = up === undefined ? 'Node (sockets, HTTP parsing, timers)' : resolve(up);
    }
    componentOf.set(id, component);
    return component;
  };
  const totals: Record<string, number> = {};
  profile.samples.forEach((id, i) => {
    const c = resolve(id);
    totals[c] = (totals[c] ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000;
  });
  return totals;
}

function post(session: Session, method: string, params?: object): Promise<unknown> {
  return new Promise((resolve, reject) =>
    session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result))),
  );
}

async function createChannels(stack: LocalStack, accounts: number): Promise<string[]> {
  const tokens = Array.from({ length: accounts }, (_, i) => `bench-${i}-${randomBytes(8).toString('hex')}`);
  for (const token of tokens) {
    await createActiveChannel(stack.url, {
      agentId: 'bench-agent',
      name: 'Bench',
      apiUrl: `${stack.url}/sandbox`,
      token,
    });
  }
  return tokens;
}

export interface ThroughputResult {
  rate: number;
  seconds: number;
  accounts: number;
  pollers: number;
  bundles: boolean;
  sent: number;
  achievedPerSecond: number;
  answered: number;
  lost: number;
  duplicates: number;
  p50: number;
  p99: number;
  max: number;
  cpuPerMessageMs: Record<string, number>;
  processCpuPerMessageMs: number;
  loadBefore: number[];
}

interface Bench {
  stack: LocalStack;
  dynamo: Awaited<ReturnType<typeof startDynamoDbLocal>>;
  sqs: Awaited<ReturnType<typeof startSqsEmulatorThread>>;
  tokens: string[];
  accounts: number;
  pollers: number;
  bundles: boolean;
}

const CLIENTS_PER_ACCOUNT = 5;

/** The local stack with ACCOUNTS active channels, every function loaded and warm. */
async function startBench(
  accounts: number,
  pollers: number,
  bundles: boolean,
  inProcess: boolean,
): Promise<Bench> {
  const dynamo = await startDynamoDbLocal();
  const sqs = await startSqsEmulatorThread();
  let stack: LocalStack | undefined;
  try {
    stack = await startLocalStack({
      port: 0,
      inMemory: true,
      quiet: true,
      prefix: `tp-${randomBytes(3).toString('hex')}`,
      emulators: { dynamodbEndpoint: dynamo.endpoint, sqsEndpoint: sqs.endpoint },
      waitTimeSeconds: 1,
      pollerConcurrency: pollers,
      runtime: inProcess ? 'in-process' : 'threads',
      bundles,
      healerIntervalMs: 0,
      env: { POWERTOOLS_LOG_LEVEL: 'ERROR' },
      functionLog: () => undefined,
      report: (line) => process.stderr.write(`${line}\n`),
    });
    await stack.firstHeal;
    const tokens = await createChannels(stack, accounts);

    // Warm-up: every function has loaded and built its clients before the measured run.
    for (const token of tokens) await stack.sandbox.clientMessage(token, '1', { text: 'warm-up' });
    const warm = Date.now() + 30_000;
    while (Date.now() < warm) {
      if (tokens.every((t) => stack!.sandbox.transcript(t, '1').some((m) => m.direction === 'out'))) break;
      await sleep(100);
    }
    return { stack, dynamo, sqs, tokens, accounts, pollers, bundles };
  } catch (err) {
    await stack?.stop();
    await sqs.stop();
    await dynamo.stop();
    throw err;
  }
}

async function stopBench(bench: Bench): Promise<void> {
  await bench.stack.stop();
  await bench.sqs.stop();
  await bench.dynamo.stop();
}

/**
 * One measured phase on a running bench: RATE client messages/s for SECONDS s, open loop, then
 * every reply (or 30 s without progress). Messages are `<prefix><i>`, so phases on one stack are
 * told apart.
 */
async function measurePhase(
  bench: Bench,
  rate: number,
  seconds: number,
  prefix: string,
): Promise<ThroughputResult> {
  const { stack, dynamo, sqs, tokens, accounts } = bench;
  const loadBefore = loadavg();
  const fnKeys = Object.keys(stack.threads) as (keyof LocalStack['threads'])[];
  const fnBefore = Object.fromEntries(fnKeys.map((k) => [k, stack.threads[k]!.cpu().cpuMs ?? 0]));
  const sqsBefore = threadCpuMs(sqs.tid) ?? 0;
  const mainBefore = threadCpuMs(process.pid) ?? 0;
  const javaBefore = dynamo.pid ? processCpuMs(dynamo.pid) : 0;
  const processBefore = process.cpuUsage();
  const session = new Session();
  session.connect();
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.setSamplingInterval', { interval: 1000 });
  await post(session, 'Profiler.start');

  // Open loop: one message every 1000/rate ms, round-robin over accounts and their clients.
  const total = Math.round(rate * seconds);
  const started = performance.now();
  for (let i = 0; i < total; i += 1) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const token = tokens[i % accounts]!;
    const client = String(100 + (Math.floor(i / accounts) % CLIENTS_PER_ACCOUNT));
    void stack.sandbox.clientMessage(token, client, { text: `${prefix}${i}` });
  }
  const loadSeconds = (performance.now() - started) / 1000;

  // Every reply, or give up after 30 s without progress.
  const answerPrefix = `You said: ${prefix}`;
  const sentAt = new Map<string, number>();
  const replies = new Map<string, number[]>();
  let lastProgress = Date.now();
  let lastCount = -1;
  while (Date.now() - lastProgress < 30_000) {
    replies.clear();
    for (const token of tokens) {
      for (let c = 0; c < CLIENTS_PER_ACCOUNT; c += 1) {
        for (const m of stack.sandbox.transcript(token, String(100 + c))) {
          if (!m.text) continue;
          if (m.direction === 'in' && m.text.startsWith(prefix)) sentAt.set(m.text, m.at);
          else if (m.direction === 'out' && m.text.startsWith(answerPrefix)) {
            const key = m.text.slice('You said: '.length);
            replies.set(key, [...(replies.get(key) ?? []), m.at]);
          }
        }
      }
    }
    if (replies.size !== lastCount) {
      lastCount = replies.size;
      lastProgress = Date.now();
    }
    if (replies.size >= total) break;
    await sleep(250);
  }

  if (process.env.THROUGHPUT_TASKS) {
    for (const t of readdirSync('/proc/self/task')) {
      const comm = readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim();
      process.stderr.write(`task ${t} ${comm} ${threadCpuMs(t)}\n`);
    }
  }
  const profile = ((await post(session, 'Profiler.stop')) as { profile: Profile }).profile;
  session.disconnect();
  const processCpu = process.cpuUsage(processBefore);
  const cpu: Record<string, number> = {};
  for (const k of fnKeys) cpu[`function ${k}`] = (stack.threads[k]!.cpu().cpuMs ?? Number.NaN) - fnBefore[k]!;
  cpu.fauxqs = (threadCpuMs(sqs.tid) ?? Number.NaN) - sqsBefore;
  cpu['DynamoDB Local (java)'] = dynamo.pid ? processCpuMs(dynamo.pid) - javaBefore : Number.NaN;
  // The main thread's CPU, split in the proportions of its profile's busy samples.
  const mainCpu = (threadCpuMs(process.pid) ?? Number.NaN) - mainBefore;
  const split = Object.entries(splitProfile(profile)).filter(([c]) => c !== 'idle');
  const sampled = split.reduce((n, [, v]) => n + v, 0);
  for (const [component, ms] of split) cpu[`main: ${component}`] = (mainCpu * ms) / sampled;
  const accounted = Object.values(cpu).reduce((n, v) => n + v, 0) - cpu['DynamoDB Local (java)']!;
  cpu['this process, other threads (GC helpers, libuv)'] =
    (processCpu.user + processCpu.system) / 1000 - accounted;

  const latencies: number[] = [];
  let duplicates = 0;
  for (const [text, ats] of replies) {
    const at = sentAt.get(text);
    if (at !== undefined) latencies.push(Math.min(...ats) - at);
    duplicates += ats.length - 1;
  }
  latencies.sort((a, b) => a - b);
  const perMessage = Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, v / total]));
  return {
    rate,
    seconds,
    accounts,
    pollers: bench.pollers,
    bundles: bench.bundles,
    sent: total,
    achievedPerSecond: total / loadSeconds,
    answered: replies.size,
    lost: total - replies.size,
    duplicates,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? Number.NaN,
    cpuPerMessageMs: perMessage,
    processCpuPerMessageMs: (processCpu.user + processCpu.system) / 1000 / total,
    loadBefore,
  };
}

/** Whether a phase met the target: nothing lost or sent twice, p99 within P99_TARGET_MS. */
export const P99_TARGET_MS = 2000;
export const holds = (r: ThroughputResult): boolean =>
  r.lost === 0 && r.duplicates === 0 && r.p99 <= P99_TARGET_MS;

export async function runThroughput(
  rate = 60,
  seconds = 60,
  accounts = 20,
  pollers = 10,
  bundles = false,
  inProcess = false,
): Promise<ThroughputResult> {
  const bench = await startBench(accounts, pollers, bundles, inProcess);
  try {
    return await measurePhase(bench, rate, seconds, 't-');
  } finally {
    await stopBench(bench);
  }
}

export interface CapacityResult {
  phases: ThroughputResult[];
  /** The highest rate whose phase held; 0 when none did. */
  capacity: number;
  /** Whether a phase missed (false: every rate up to `to` held, so the capacity may be higher). */
  bounded: boolean;
}

/**
 * The highest rate at which the target holds, on one stack: after an unreported warm-up phase
 * (at `from`, up to 15 s), phases of SECONDS s at rising rates
 * (`from`, then `step` more each time) until one misses or `to` is reached, then halving the step
 * between the last rate that held and the first that missed down to `resolution`. The stack
 * drains between phases (every reply arrived) and rests `restMs`, so each phase starts empty.
 */
export async function findCapacity(
  options: {
    seconds?: number;
    accounts?: number;
    pollers?: number;
    bundles?: boolean;
    inProcess?: boolean;
    from?: number;
    step?: number;
    to?: number;
    resolution?: number;
    restMs?: number;
    onPhase?: (r: ThroughputResult) => void;
  } = {},
): Promise<CapacityResult> {
  const { seconds = 60, accounts = 20, pollers = 10, bundles = false, inProcess = false } = options;
  const { from = 10, step = 10, to = 100, resolution = 5, restMs = 5_000 } = options;
  const bench = await startBench(accounts, pollers, bundles, inProcess);
  const phases: ThroughputResult[] = [];
  const run = async (rate: number) => {
    const r = await measurePhase(bench, rate, seconds, `c${phases.length}-`);
    phases.push(r);
    options.onPhase?.(r);
    await sleep(restMs);
    return holds(r);
  };
  try {
    // JIT and connection warm-up, not reported: the first phase would otherwise pay for it.
    await measurePhase(bench, from, Math.min(seconds, 15), 'w-');
    await sleep(restMs);
    let held = 0;
    let missed: number | undefined;
    for (let rate = from; rate <= to; rate += step) {
      if (await run(rate)) held = rate;
      else {
        missed = rate;
        break;
      }
    }
    if (missed !== undefined) {
      let low = held;
      let high = missed;
      while (high - low > resolution) {
        const mid = Math.round((low + high) / 2 / resolution) * resolution;
        if (mid <= low || mid >= high) break;
        if (await run(mid)) low = mid;
        else high = mid;
      }
      held = low;
    }
    return { phases, capacity: held, bounded: missed !== undefined };
  } finally {
    await stopBench(bench);
  }
}

export function describePhase(r: ThroughputResult): string {
  return `phase ${String(r.rate).padStart(3)}/s × ${r.seconds} s: ${r.sent} sent (achieved ${r.achievedPerSecond.toFixed(1)}/s), answered ${r.answered}, lost ${r.lost}, duplicates ${r.duplicates}, p50 ${r.p50.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms, functions ${functionsCpuMs(r).toFixed(2)} ms CPU per message — ${holds(r) ? 'holds' : 'MISSED'}`;
}

/** The functions on a message's path: webhook, worker and reply. */
const MESSAGE_PATH = ['function webhook', 'function worker', 'function reply'];
/** Target for their CPU per message together (docs/PERFORMANCE.md, "Throughput"). */
export const FUNCTIONS_CPU_TARGET_MS = 9;

/** CPU per message of the functions on a message's path (webhook + worker + reply threads). */
export function functionsCpuMs(r: ThroughputResult): number {
  return MESSAGE_PATH.reduce((n, k) => n + (r.cpuPerMessageMs[k] ?? Number.NaN), 0);
}

export function describeThroughput(r: ThroughputResult, command: string): string {
  const cpu = cpus();
  const rows = Object.entries(r.cpuPerMessageMs).sort((a, b) => b[1] - a[1]);
  const sum = rows.reduce((n, [, v]) => n + v, 0);
  return [
    `Throughput — ${cpu[0]?.model ?? 'cpu'} × ${cpu.length}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 16)}Z, load average before ${r.loadBefore.map((l) => l.toFixed(2)).join(' ')}`,
    `command: ${command}`,
    `offered ${r.rate}/s for ${r.seconds} s across ${r.accounts} accounts = ${r.sent} client messages (achieved ${r.achievedPerSecond.toFixed(1)}/s); ${r.pollers} pollers per queue; functions ${r.bundles ? 'from their bundles' : 'from source'}, one worker thread each`,
    `answered ${r.answered}, lost ${r.lost}, duplicates ${r.duplicates}`,
    `end-to-end (client message created → bot message accepted, sandbox clock): p50 ${r.p50.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms, max ${r.max.toFixed(0)} ms`,
    `CPU per message by component (ms), same run: ${sum.toFixed(2)} in total (this process ${r.processCpuPerMessageMs.toFixed(2)} incl. GC and libuv threads, + java)`,
    ...rows.map(([k, v]) => `  ${k.padEnd(46)} ${v.toFixed(2)}`),
    `functions on the message path (webhook + worker + reply): ${functionsCpuMs(r).toFixed(2)} ms CPU per message — target ≤ ${FUNCTIONS_CPU_TARGET_MS} ms ${functionsCpuMs(r) <= FUNCTIONS_CPU_TARGET_MS ? 'met' : 'MISSED'}`,
    `target: 0 lost, 0 duplicates, p99 ≤ ${P99_TARGET_MS} ms — ${holds(r) ? 'met' : 'MISSED'}`,
  ].join('\n');
}

/** The capacity target: this rate across 20 accounts for 60 s (docs/PERFORMANCE.md, "Throughput"). */
export const CAPACITY_TARGET = 50;

function usage(): never {
  process.stderr.write(
    'usage: npm run bench:throughput -- [rate=60] [seconds=60] [accounts=20] [pollers=10] [--bundles] [--in-process]\n' +
      '       npm run bench:throughput -- --find-capacity [seconds=60] [accounts=20] [pollers=10] [--from=10] [--step=10] [--to=100] [--bundles]\n',
  );
  process.exit(2);
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const bundles = argv.includes('--bundles');
  const inProcess = argv.includes('--in-process');
  const option = (name: string, fallback: number) => {
    const found = argv.find((a) => a.startsWith(`--${name}=`));
    const value = found ? Number(found.slice(name.length + 3)) : fallback;
    if (!Number.isFinite(value) || value <= 0) usage();
    return value;
  };
  const flags = new Set(['--bundles', '--in-process', '--find-capacity']);
  const positional = argv.filter((a) => !a.startsWith('--'));
  if (argv.some((a) => a.startsWith('--') && !flags.has(a) && !/^--(from|step|to)=/.test(a))) usage();
  if (positional.some((a) => !(Number(a) > 0))) usage();
  if (argv.includes('--find-capacity')) {
    const [seconds = '60', accounts = '20', pollers = '10'] = positional;
    const from = option('from', 10);
    const step = option('step', 10);
    const to = option('to', 100);
    const command = `npm run bench:throughput -- --find-capacity ${seconds} ${accounts} ${pollers} --from=${from} --step=${step} --to=${to}${bundles ? ' --bundles' : ''}${inProcess ? ' --in-process' : ''}`;
    const load = loadavg();
    const cpu = cpus();
    process.stdout.write(
      `Capacity — ${cpu[0]?.model ?? 'cpu'} × ${cpu.length}, Node ${process.version}, ${new Date().toISOString().slice(0, 16)}Z, load average before ${load.map((l) => l.toFixed(2)).join(' ')}\ncommand: ${command}\n`,
    );
    findCapacity({
      seconds: Number(seconds),
      accounts: Number(accounts),
      pollers: Number(pollers),
      bundles,
      inProcess,
      from,
      step,
      to,
      onPhase: (r) => process.stdout.write(`${describePhase(r)}\n`),
    })
      .then(({ capacity, bounded }) => {
        process.stdout.write(
          `highest rate at which 0 lost, 0 duplicates and p99 ≤ ${P99_TARGET_MS} ms hold: ${capacity} client messages/s (${accounts} accounts, ${seconds} s phases)${bounded ? '' : `, the highest tried (--to=${to})`}\n` +
            `target ${CAPACITY_TARGET}/s — ${capacity >= CAPACITY_TARGET ? 'met' : 'MISSED'}\n`,
        );
        process.exit(capacity >= CAPACITY_TARGET ? 0 : 1);
      })
      .catch((err) => {
        process.stderr.write(`throughput bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
        process.exit(1);
      });
  } else {
    const [rate = '60', seconds = '60', accounts = '20', pollers = '10'] = positional;
    runThroughput(Number(rate), Number(seconds), Number(accounts), Number(pollers), bundles, inProcess)
      .then((r) => {
        process.stdout.write(
          `${describeThroughput(r, `npm run bench:throughput -- ${rate} ${seconds} ${accounts} ${pollers}${bundles ? ' --bundles' : ''}${inProcess ? ' --in-process' : ''}`)}\n`,
        );
        process.exit(holds(r) ? 0 : 1);
      })
      .catch((err) => {
        process.stderr.write(`throughput bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
        process.exit(1);
      });
  }
}
