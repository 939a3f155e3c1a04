/**
 * A function run in its own worker thread, as Lambda runs it in its own execution environment:
 * its own module instances and configuration (read at load from the environment given here), its
 * own event loop, and a timeout that really ends the run — a thread whose invocation timed out is
 * terminated (once nothing else runs in it) and the next invocation starts a fresh one (a cold
 * start), as Lambda discards an environment after a timeout.
 *
 * `handler` is a LambdaHandler like any other: the SQS pollers, the HTTP routes and the schedule
 * invoke it through `invokeLocally` without knowing where it runs. Several invocations may be in
 * one thread at once (the handlers are asynchronous); `threads` > 1 spreads them over more threads.
 */
import { join } from 'node:path';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import type {
  FunctionSource,
  InvokeMessage,
  ThreadData,
  ThreadMessage,
  WireError,
} from './function-thread-protocol';
import type { LambdaHandler, LocalFunction } from './lambda-context';
import { threadCpuMs, withThreadId } from './thread-cpu';

export interface FunctionThreadsOptions {
  fn: LocalFunction;
  region: string;
  source: FunctionSource;
  /** The function's environment (the whole process.env of its threads). */
  env: Record<string, string | undefined>;
  /** Threads for this function (default 1); an invocation goes to the least busy one. */
  threads?: number;
  /**
   * How the thread itself is loaded: TypeScript through tsx (default), or an already built
   * JavaScript file of function-thread.ts (for bundles: nothing but the bundle is compiled then).
   */
  threadFile?: { file: string; tsx: boolean };
  /** Every line the function wrote (JSON log lines carry `function_name`). */
  onLog(line: string, stream: 'stdout' | 'stderr'): void;
  report?(line: string): void;
}

export interface ThreadCpu {
  /** Event-loop active time of every thread this function had, ms (terminated ones included). */
  activeMs: number;
  /** user + system CPU of those threads, ms (Linux; undefined where /proc is missing). */
  cpuMs: number | undefined;
  /** Threads started (more than `threads` after timeouts or crashes). */
  started: number;
}

export interface FunctionThreads {
  readonly fn: LocalFunction;
  handler: LambdaHandler<unknown, unknown>;
  /** Resolves when the threads have loaded the module (rejects with its load error). */
  ready(): Promise<void>;
  cpu(): ThreadCpu;
  stop(): Promise<void>;
}

function fromWire(wire: WireError): Error {
  const err = new Error(wire.message);
  err.name = wire.name;
  if (wire.stack) err.stack = wire.stack;
  return err;
}

const BOOT = [
  "const { workerData } = require('node:worker_threads');",
  'if (workerData.tsx) require(workerData.tsx);',
  'require(workerData.threadFile);',
].join('\n');

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  /** Timed out: its result no longer matters. */
  abandoned: boolean;
}

class FunctionThread {
  readonly worker: Worker;
  /** The OS thread (for its CPU time). */
  private readonly tid: string | undefined;
  cpuMs: number | undefined;
  readonly loaded: Promise<void>;
  readonly pending = new Map<number, Pending>();
  retired = false;
  dead = false;
  private nextId = 1;
  private lastElu: EventLoopUtilization | undefined;
  activeMs = 0;

  constructor(options: FunctionThreadsOptions) {
    const threadFile = options.threadFile ?? { file: join(__dirname, 'function-thread.ts'), tsx: true };
    const data: ThreadData & { threadFile: string; tsx?: string } = {
      fn: options.fn,
      region: options.region,
      source: options.source,
      threadFile: threadFile.file,
      ...(threadFile.tsx ? { tsx: require.resolve('tsx/cjs') } : {}),
    };
    const started = withThreadId(
      () =>
        new Worker(BOOT, {
          eval: true,
          workerData: data,
          env: options.env,
          name: options.fn.functionName,
        }),
    );
    this.worker = started.value;
    this.tid = started.tid;
    let settleLoad: { resolve(): void; reject(err: Error): void } | undefined;
    this.loaded = new Promise<void>((resolve, reject) => {
      settleLoad = { resolve, reject };
    });
    this.loaded.catch(() => undefined);
    this.worker.on('message', (message: ThreadMessage) => {
      if (message.type === 'log') options.onLog(message.line, message.stream);
      else if (message.type === 'ready') settleLoad?.resolve();
      else if (message.type === 'init-error') {
        settleLoad?.reject(fromWire(message.error));
        this.retire();
      } else if (message.type === 'result') {
        const pending = this.pending.get(message.id);
        if (!pending) return;
        this.pending.delete(message.id);
        if (message.ok) pending.resolve(message.value);
        else pending.reject(fromWire(message.error));
        this.terminateIfIdle();
      }
    });
    this.worker.on('error', (err) => {
      // An uncaught error ends the environment (Lambda: Runtime.ExitError); what ran in it fails.
      options.report?.(
        `${options.fn.functionName}: the function's thread crashed (${err.name}: ${err.message})`,
      );
      settleLoad?.reject(err);
      this.fail(err);
    });
    this.worker.on('exit', (code) => {
      this.sampleCpu();
      this.dead = true;
      this.fail(new Error(`${options.fn.functionName}: the function's thread exited (code ${code})`));
    });
  }

  private fail(err: Error): void {
    this.dead = true;
    for (const pending of this.pending.values()) pending.reject(err);
    this.pending.clear();
  }

  sampleCpu(): void {
    if (this.dead) return;
    this.cpuMs = threadCpuMs(this.tid) ?? this.cpuMs;
    try {
      const now = this.worker.performance.eventLoopUtilization();
      const delta = this.lastElu ? this.worker.performance.eventLoopUtilization(now, this.lastElu) : now;
      this.activeMs += delta.active;
      this.lastElu = now;
    } catch {
      // the thread is gone
    }
  }

  get busy(): number {
    return this.pending.size;
  }

  invoke(event: unknown, context: Context): Promise<unknown> {
    const id = this.nextId++;
    const message: InvokeMessage = {
      id,
      event,
      deadline: Date.now() + context.getRemainingTimeInMillis(),
      awsRequestId: context.awsRequestId,
    };
    return new Promise<unknown>((resolve, reject) => {
      const pending: Pending = { resolve, reject, abandoned: false };
      this.pending.set(id, pending);
      // The runtime's own timer (invokeLocally) fails the invocation; this one ends its run.
      const timer = setTimeout(() => {
        if (!this.pending.has(id)) return;
        pending.abandoned = true;
        this.retire();
      }, context.getRemainingTimeInMillis());
      timer.unref();
      const clear = () => clearTimeout(timer);
      pending.resolve = (value) => {
        clear();
        resolve(value);
      };
      pending.reject = (err) => {
        clear();
        reject(err);
      };
      this.worker.postMessage(message);
    });
  }

  /** No new invocations here; ends the thread once only abandoned runs are left in it. */
  retire(): void {
    this.retired = true;
    this.terminateIfIdle();
  }

  private terminateIfIdle(): void {
    if (!this.retired || this.dead) return;
    for (const pending of this.pending.values()) if (!pending.abandoned) return;
    void this.terminate();
  }

  async terminate(): Promise<void> {
    if (this.dead) return;
    this.sampleCpu();
    this.dead = true;
    await this.worker.terminate().catch(() => undefined);
  }
}

export function startFunctionThreads(options: FunctionThreadsOptions): FunctionThreads {
  const size = Math.max(1, options.threads ?? 1);
  const threads: FunctionThread[] = [];
  const ended: FunctionThread[] = [];
  let started = 0;
  let stopped = false;

  const spawn = () => {
    const thread = new FunctionThread(options);
    started += 1;
    threads.push(thread);
    return thread;
  };
  for (let i = 0; i < size; i += 1) spawn();

  /** The least busy live thread; a fresh one (cold start) in place of retired or dead ones. */
  function pick(): FunctionThread {
    for (let i = threads.length - 1; i >= 0; i -= 1) {
      const thread = threads[i]!;
      if (thread.retired || thread.dead) {
        threads.splice(i, 1);
        ended.push(thread);
      }
    }
    while (threads.length < size) spawn();
    return threads.reduce((a, b) => (b.busy < a.busy ? b : a));
  }

  return {
    fn: options.fn,
    async handler(event, context) {
      if (stopped) throw new Error(`${options.fn.functionName}: the local runtime is stopping`);
      const thread = pick();
      // Module load (init) happens before the invocation, as in Lambda.
      await thread.loaded;
      return thread.invoke(event, context);
    },
    async ready() {
      await Promise.all(threads.map((t) => t.loaded));
    },
    cpu() {
      let activeMs = 0;
      let cpuMs: number | undefined;
      for (const thread of [...threads, ...ended]) {
        thread.sampleCpu();
        activeMs += thread.activeMs;
        if (thread.cpuMs !== undefined) cpuMs = (cpuMs ?? 0) + thread.cpuMs;
      }
      return { activeMs, cpuMs, started };
    },
    async stop() {
      stopped = true;
      await Promise.all([...threads, ...ended].map((t) => t.terminate()));
    },
  };
}
