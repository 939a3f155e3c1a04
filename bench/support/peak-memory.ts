/**
 * Peak memory of each function's deployed bundle: built as CDK builds it (`buildFunctionBundles` of
 * infra/local/runtime/bundles.ts, i.e. `buildFunctionBundle` of infra/constructs/function-bundling.ts:
 * the bundle and its lazy modules beside it), then loaded in a fresh `node` process with the
 * environment of a running local stack and handed representative invocations (batches of the
 * deployed batch size, real bodies captured from the stack). The child reports its peak resident
 * set (`process.resourceUsage().maxRSS`, what Lambda's "Max Memory Used" measures for the runtime
 * process) and the module-initialisation time.
 *
 * The child runs with the node flags the function gets in Lambda at a given memory size
 * (`lambdaNodeArgs`): our `NODE_OPTIONS` (`--enable-source-maps`, infra/constructs/connector-function.ts)
 * and the heap limits Lambda's Node.js runtime derives from the memory size. Without those, V8 on
 * a machine with gigabytes free lets its young generation grow to its 64-bit default (16 MB
 * semi-spaces) before collecting, and the peak measures that laziness, not what the function needs.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FUNCTION_NODE_OPTIONS, type FunctionName } from '../../infra/constructs/function-bundling';

export interface PeakMemory {
  fn: FunctionName;
  /** The memory size whose node flags the process ran with (MB). */
  memoryMb: number;
  invocations: number;
  /** Resident set right after the module was loaded (MB). */
  afterInitMb: number;
  /** Highest resident set of the process (MB). */
  peakMb: number;
  /** Module load time in this process (ms). */
  initMs: number;
  /** Invocations that threw or reported failed records. */
  failures: number;
  /** The first ERROR lines the bundle logged (level ERROR only), when something failed. */
  errors: string[];
}

export interface Invocation {
  event: unknown;
  functionName: string;
  timeoutMs: number;
}

/** The child: load the bundle, invoke it with each event in turn, report peak RSS as one JSON line. */
const CHILD_SOURCE = `
const { readFileSync } = require('node:fs');
const { pathToFileURL } = require('node:url');
const [bundle, eventsFile] = process.argv.slice(2);
(async () => {
  const invocations = JSON.parse(readFileSync(eventsFile, 'utf8'));
  const started = performance.now();
  const mod = bundle.endsWith('.mjs') ? await import(pathToFileURL(bundle).href) : require(bundle);
  const initMs = performance.now() - started;
  const afterInit = process.memoryUsage().rss;
  let failures = 0;
  for (const [i, inv] of invocations.entries()) {
    const deadline = Date.now() + inv.timeoutMs;
    const context = {
      functionName: inv.functionName, functionVersion: '$LATEST', memoryLimitInMB: '1024',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:' + inv.functionName,
      awsRequestId: 'peak-' + i + '-' + Date.now(), logGroupName: '/aws/lambda/' + inv.functionName,
      logStreamName: 'peak', callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done() {}, fail() {}, succeed() {},
    };
    try {
      const result = await mod.handler(inv.event, context);
      if (result && Array.isArray(result.batchItemFailures) && result.batchItemFailures.length) failures += 1;
      if (result && typeof result.statusCode === 'number' && result.statusCode >= 300) failures += 1;
      if (result && result.ok === false) failures += 1;
    } catch { failures += 1; }
  }
  process.stdout.write('\\nPEAK ' + JSON.stringify({
    invocations: invocations.length, initMs, afterInit,
    maxRss: process.resourceUsage().maxRSS * 1024, failures,
  }) + '\\n');
  process.exit(0);
})().catch((err) => { process.stderr.write(String(err && err.stack || err)); process.exit(1); });
`;

/**
 * The node flags of a Lambda function of `memoryMb`: our NODE_OPTIONS (`FUNCTION_NODE_OPTIONS`) and
 * the heap limits of Lambda's Node.js runtime bootstrap (aws-lambda-base-images): a new space of a
 * tenth of the memory, in two semi-spaces, and the rest for the old space.
 */
export function lambdaNodeArgs(memoryMb: number): string[] {
  const newSpace = Math.floor(memoryMb / 10);
  return [
    ...FUNCTION_NODE_OPTIONS.split(' '),
    `--max-semi-space-size=${Math.floor(newSpace / 2)}`,
    `--max-old-space-size=${memoryMb - newSpace}`,
  ];
}

export async function measurePeakMemory(
  bundles: Record<string, string>,
  invocations: Partial<Record<FunctionName, Invocation[]>>,
  env: Record<string, string>,
  /** The memory size each function runs with (its node flags: `lambdaNodeArgs`). */
  memoryMbOf: (fn: FunctionName) => number,
): Promise<PeakMemory[]> {
  const dir = mkdtempSync(join(tmpdir(), 'peak-memory-'));
  const child = join(dir, 'child.cjs');
  writeFileSync(child, CHILD_SOURCE);
  const results: PeakMemory[] = [];
  try {
    for (const [fn, list] of Object.entries(invocations) as [FunctionName, Invocation[]][]) {
      const bundle = bundles[fn];
      if (!bundle || list.length === 0) continue;
      const eventsFile = join(dir, `${fn}.json`);
      writeFileSync(eventsFile, JSON.stringify(list));
      const output = await new Promise<string>((resolve, reject) => {
        const args = [...lambdaNodeArgs(memoryMbOf(fn)), child, bundle, eventsFile];
        const p = spawn(process.execPath, args, {
          env: { ...env, POWERTOOLS_LOG_LEVEL: 'ERROR', PATH: process.env.PATH ?? '' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        p.stdout.on('data', (c: Buffer) => {
          stdout += c.toString('utf8');
        });
        p.stderr.on('data', (c: Buffer) => {
          stderr += c.toString('utf8');
        });
        p.on('error', reject);
        p.on('exit', (code) =>
          code === 0
            ? resolve(`${stdout}\n${stderr}`)
            : reject(new Error(`${fn} bundle: exit ${code}: ${stderr.slice(-500)}`)),
        );
      });
      const line = output.split('\n').find((l) => l.startsWith('PEAK '));
      if (!line) throw new Error(`${fn} bundle reported nothing`);
      const r = JSON.parse(line.slice(5)) as {
        invocations: number;
        initMs: number;
        afterInit: number;
        maxRss: number;
        failures: number;
      };
      results.push({
        fn,
        memoryMb: memoryMbOf(fn),
        invocations: r.invocations,
        afterInitMb: r.afterInit / 2 ** 20,
        peakMb: r.maxRss / 2 ** 20,
        initMs: r.initMs,
        failures: r.failures,
        errors: r.failures
          ? output
              .split('\n')
              .filter((l) => l.trim() && !l.startsWith('PEAK ') && !l.startsWith('{"_aws"'))
              .slice(0, 3)
              .map((l) => l.slice(0, 400))
          : [],
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
