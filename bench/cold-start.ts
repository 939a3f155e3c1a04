/**
 * Cold start: module init of every function against a one-SQS-client hello bundle
 * (bench/hello/handler.ts), all bundled with the deployed settings (infra/constructs/function-bundling.ts)
 * and measured in the same run.
 *
 *   npm run bench:cold-start -- [runs=11] [--before] [--floor]
 *
 * "Module init" is what Lambda's Init phase spends on the code: loading the bundle and evaluating
 * its top level, from the runtime's `import()` (ESM, `.mjs`) or `require()` (CommonJS) to the
 * module's exports being ready. Each measurement is a fresh `node` process with the environment
 * the function gets in AWS (credentials as Lambda supplies them, the stack's variables, the
 * deployed NODE_OPTIONS). Nothing is called and no client is built: the functions build their
 * clients on the first invocation (their composition reads secrets over the network), and so does
 * the hello handler, so both sides measure the same phase. Bundles are measured interleaved
 * (round-robin, rotating the order) so that load on this shared machine falls on all of them alike.
 *
 * Printed per bundle: size (the bundle and the chunks it imports statically: what a cold start
 * reads; chunks loaded on first use are not counted), min and median init, the ratio of its min to hello's min and PASS/MISS
 * against the target (≤ 1.25×), and for the functions that call Chat2Desk what loading undici adds
 * to their first Chat2Desk call (moved out of Init, not removed). `--before` also measures, in the
 * same interleaved run, the bundles as built before (CommonJS, default credential chain, undici
 * inside). `--floor` also measures two floors (bench/hello/floor-*.ts): the SQS and DynamoDB
 * clients alone, and those with the libraries the functions are built on (Powertools, middy, zod,
 * Secrets Manager) but none of the connector's code — what any function on this stack adds over
 * hello before its own code; each function's min over `floorLibraries`' min is then printed with
 * PASS/MISS against FLOOR_TARGETS (≤ 1.10× the webhook, ≤ 1.20× the others) and a summary line.
 * Exit code 0 either way (a benchmark, not a test).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  BUNDLE_FILE_NAME,
  BUNDLE_SETTINGS,
  buildFunctionBundle,
  esbuildOptions,
  FUNCTION_ENTRIES,
  type FunctionName,
  filesLoadedAtInit,
} from '../infra/constructs/function-bundling';

const TARGET_RATIO = 1.25;
/**
 * With `--floor`: each function's module init (min) over `floorLibraries`' min, same run — what the
 * connector's own code may add to the libraries it is built on. The webhook answers Chat2Desk
 * synchronously, so its bound is tighter.
 */
const FLOOR_TARGETS: Record<FunctionName, number> = {
  webhook: 1.1,
  worker: 1.2,
  reply: 1.2,
  channels: 1.2,
  webhookHealer: 1.2,
};
const HELLO_ENTRY = 'bench/hello/handler.ts';
const FLOOR_ENTRIES = {
  floorClients: 'bench/hello/floor-clients.ts',
  floorLibraries: 'bench/hello/floor-libraries.ts',
} as const;
type BundleName = FunctionName | 'hello' | keyof typeof FLOOR_ENTRIES;

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const queueUrl = (name: string) => `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/c2d-${name}.fifo`;
const secretArn = (name: string) => `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:c2d-${name}-AbCdEf`;

/** What the Lambda service sets in every function's environment (credentials of the execution role). */
function lambdaEnvironment(functionName: string): Record<string, string> {
  return {
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'ASIABENCHBENCHBENCH0',
    AWS_SECRET_ACCESS_KEY: 'bench/bench/bench/bench/bench/bench/bench0',
    AWS_SESSION_TOKEN: 'IQoJb3JpZ2luX2VjEBench'.padEnd(600, 'x'),
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_LAMBDA_FUNCTION_NAME: `c2d-${functionName}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/c2d-${functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/12/01/[$LATEST]0123456789abcdef',
    AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001',
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129:2000',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    _HANDLER: 'index.handler',
  };
}

/** What infra/constructs/connector-function.ts sets for every function. */
const CONSTRUCT_ENVIRONMENT: Record<string, string> = {
  NODE_OPTIONS: '--enable-source-maps',
  POWERTOOLS_SERVICE_NAME: 'chat2desk-channel',
  POWERTOOLS_METRICS_NAMESPACE: 'Chat2DeskChannel',
  POWERTOOLS_LOG_LEVEL: 'INFO',
};

/** The variables infra/stacks/stateless-stack.ts binds to each function (values are stand-ins). */
const STACK_ENVIRONMENT: Record<BundleName, Record<string, string>> = {
  webhook: {
    TABLE_NAME: 'c2d-channels',
    INBOUND_QUEUE_URL: queueUrl('inbound'),
    WEBHOOK_SECRET_KEY_SECRET_ARN: secretArn('webhook-secret-key'),
  },
  worker: {
    TABLE_NAME: 'c2d-channels',
    OUTBOUND_QUEUE_URL: queueUrl('outbound'),
    INBOUND_DLQ_URL: queueUrl('inbound-dlq'),
    INBOUND_QUEUE_URL: queueUrl('inbound'),
    AGENT_API_URL: 'https://agent.example.com/api',
    AGENT_API_KEY_SECRET_ARN: secretArn('agent-api-key'),
  },
  reply: {
    TABLE_NAME: 'c2d-channels',
    OUTBOUND_DLQ_URL: queueUrl('outbound-dlq'),
    OUTBOUND_QUEUE_URL: queueUrl('outbound'),
  },
  channels: {
    TABLE_NAME: 'c2d-channels',
    PUBLIC_BASE_URL: 'https://abcdef1234.execute-api.eu-west-1.amazonaws.com',
    AGENT_API_URL: 'https://agent.example.com/api',
    OUTBOUND_QUEUE_URL: queueUrl('outbound'),
    TOKEN_HASH_KEY_SECRET_ARN: secretArn('token-hash-key'),
    WEBHOOK_SECRET_KEY_SECRET_ARN: secretArn('webhook-secret-key'),
    AGENT_API_KEY_SECRET_ARN: secretArn('agent-api-key'),
  },
  webhookHealer: {
    TABLE_NAME: 'c2d-channels',
    PUBLIC_BASE_URL: 'https://abcdef1234.execute-api.eu-west-1.amazonaws.com',
    WEBHOOK_SECRET_KEY_SECRET_ARN: secretArn('webhook-secret-key'),
  },
  hello: { QUEUE_URL: queueUrl('inbound') },
  floorClients: { QUEUE_URL: queueUrl('inbound') },
  floorLibraries: { QUEUE_URL: queueUrl('inbound') },
};

/**
 * Runs in the fresh process: loads the bundle the way the Node.js runtime does (`import()` for
 * `.mjs`, `require()` otherwise), checks that it exports a handler and prints the time taken. With
 * `undici` as second argument it then also times what the first Chat2Desk call adds: requiring the
 * lazy module from the bundle's folder (shared/adapters/chat2desk/edge.ts does that).
 */
const LOADER = `
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
const [file, lazy] = process.argv.slice(2);
const start = performance.now();
const mod = file.endsWith('.mjs') ? await import(pathToFileURL(file).href) : createRequire(file)(file);
const initMs = performance.now() - start;
if (typeof mod.handler !== 'function') throw new Error(file + ' exports no handler');
let lazyMs;
if (lazy) {
  const lazyStart = performance.now();
  createRequire(file)(lazy);
  lazyMs = performance.now() - lazyStart;
}
process.stdout.write(JSON.stringify({ initMs, lazyMs }));
`;

type Variant = 'deployed' | 'before';

interface Bundle {
  name: BundleName;
  variant: Variant;
  file: string;
  bytes: number;
  gzipBytes: number;
  /** Whether the function uses the Chat2Desk edge (and so loads undici on its first call). */
  usesEdge: boolean;
  samples: number[];
  lazySamples: number[];
}

/** One fresh process loading the bundle; its times go to the samples unless `record` is false. */
function initOnce(loader: string, bundle: Bundle, record = true): void {
  const lazy = bundle.variant === 'deployed' && bundle.usesEdge ? ['undici'] : [];
  const out = execFileSync(process.execPath, [loader, bundle.file, ...lazy], {
    env: {
      PATH: process.env.PATH ?? '',
      ...lambdaEnvironment(bundle.name),
      ...CONSTRUCT_ENVIRONMENT,
      ...STACK_ENVIRONMENT[bundle.name],
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { initMs, lazyMs } = JSON.parse(out.toString()) as { initMs: number; lazyMs?: number };
  if (!record) return;
  bundle.samples.push(initMs);
  if (lazyMs !== undefined) bundle.lazySamples.push(lazyMs);
}

const min = (values: number[]) => Math.min(...values);
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The settings before the cold-start work (CommonJS `index.js`, the SDK's default credential
 * chain, undici inside the bundle), for `--before`: a same-run comparison on this noisy machine.
 */
async function buildBefore(entry: string, outDir: string) {
  const { build } = await import('esbuild');
  const file = join(outDir, 'index.js');
  const { banner: _banner, ...options } = esbuildOptions(entry, file);
  const result = await build({ ...options, format: 'cjs', splitting: false, alias: {}, external: [] });
  return { file, metafile: result.metafile! };
}

async function buildBundle(dir: string, variant: Variant, name: Bundle['name'], entry: string) {
  const outDir = join(dir, variant, name);
  const { file, metafile } =
    variant === 'deployed' ? await buildFunctionBundle(entry, outDir) : await buildBefore(entry, outDir);
  // What a cold start reads: the bundle and the chunks it imports statically (not the lazy ones).
  const loaded = filesLoadedAtInit(metafile, file);
  const bundle: Bundle = {
    name,
    variant,
    file,
    bytes: loaded.reduce((sum, f) => sum + statSync(f).size, 0),
    gzipBytes: loaded.reduce((sum, f) => sum + gzipSync(readFileSync(f)).length, 0),
    usesEdge: Object.keys(metafile.inputs).some((i) => i.endsWith('shared/adapters/chat2desk/edge.ts')),
    samples: [],
    lazySamples: [],
  };
  return bundle;
}

/** The reference of a variant's bundles: hello's min init. */
const helloMinOf = (bundles: Bundle[]) => min(bundles.find((b) => b.name === 'hello')!.samples);

function table(bundles: Bundle[], helloMin: number, withLazy: boolean): string[] {
  // With --floor: what the connector's own code adds over the libraries it is built on.
  const floor = bundles.find((b) => b.name === 'floorLibraries');
  const overFloor = (b: Bundle) =>
    floor && b.name in FUNCTION_ENTRIES ? `+${(min(b.samples) - min(floor.samples)).toFixed(1)} ms` : '—';
  const floorRatio = (b: Bundle) => {
    if (!floor || !(b.name in FUNCTION_ENTRIES))
      return b.name === 'floorLibraries' ? '1.00× | (floor)' : '— | —';
    const ratio = min(b.samples) / min(floor.samples);
    const target = FLOOR_TARGETS[b.name as FunctionName];
    return `${ratio.toFixed(2)}× | ${ratio <= target ? 'PASS' : 'MISS'} (≤ ${target.toFixed(2)}×)`;
  };
  const rows = bundles.map((b) => {
    const ratio = min(b.samples) / helloMin;
    const verdict =
      b.name === 'hello'
        ? '(reference)'
        : b.name in FLOOR_ENTRIES
          ? `(floor${ratio <= TARGET_RATIO ? '' : ': over the target'})`
          : ratio <= TARGET_RATIO
            ? 'PASS'
            : 'MISS';
    const lazy = b.lazySamples.length
      ? `${min(b.lazySamples).toFixed(1)} / ${median(b.lazySamples).toFixed(1)} ms`
      : '—';
    return `| ${b.name} | ${(b.bytes / 1024).toFixed(1)} KB | ${(b.gzipBytes / 1024).toFixed(1)} KB | ${min(b.samples).toFixed(1)} ms | ${median(b.samples).toFixed(1)} ms | ${ratio.toFixed(2)}× | ${verdict} |${floor ? ` ${overFloor(b)} | ${floorRatio(b)} |` : ''}${withLazy ? ` ${lazy} |` : ''}`;
  });
  return [
    `| bundle | minified | gzip | init min | init median | min / hello min | ≤ ${TARGET_RATIO}× |${floor ? ' min over floorLibraries | min / floorLibraries min | ≤ floor target |' : ''}${withLazy ? ' undici on first Chat2Desk call (min / median) |' : ''}`,
    `|---|---|---|---|---|---|---|${floor ? '---|---|---|' : ''}${withLazy ? '---|' : ''}`,
    ...rows,
  ];
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const withBefore = args.includes('--before');
  const withFloor = args.includes('--floor');
  const runs = Math.max(11, Number(args.find((a) => /^\d+$/.test(a)) ?? 11));
  const dir = mkdtempSync(join(tmpdir(), 'c2d-cold-start-'));
  try {
    const loader = join(dir, 'load.mjs');
    writeFileSync(loader, LOADER);
    const entries: Array<[Bundle['name'], string]> = [
      ['hello', HELLO_ENTRY],
      ...(withFloor ? (Object.entries(FLOOR_ENTRIES) as Array<[keyof typeof FLOOR_ENTRIES, string]>) : []),
      ...(Object.entries(FUNCTION_ENTRIES) as Array<[FunctionName, string]>),
    ];
    const bundles: Bundle[] = [];
    for (const variant of withBefore ? (['deployed', 'before'] as const) : (['deployed'] as const)) {
      for (const [name, entry] of entries) {
        if (variant === 'before' && name in FLOOR_ENTRIES) continue;
        bundles.push(await buildBundle(dir, variant, name, entry));
      }
    }
    for (const bundle of bundles) initOnce(loader, bundle, false); // file cache warm, not measured
    const loadBefore = loadavg()[0]!;
    for (let run = 0; run < runs; run += 1) {
      for (let i = 0; i < bundles.length; i += 1) initOnce(loader, bundles[(i + run) % bundles.length]!);
    }
    const loadAfter = loadavg()[0]!;
    const deployed = bundles.filter((b) => b.variant === 'deployed');
    const helloMin = helloMinOf(deployed);
    const misses = deployed.filter(
      (b) => b.name in FUNCTION_ENTRIES && min(b.samples) / helloMin > TARGET_RATIO,
    );
    const lines = [
      `node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, load average ${loadBefore.toFixed(2)} → ${loadAfter.toFixed(2)}`,
      `format ${BUNDLE_SETTINGS.format} (${BUNDLE_FILE_NAME}), ${runs} fresh processes per bundle, interleaved; target ≤ ${TARGET_RATIO}× hello (min)`,
      '',
      ...table(deployed, helloMin, true),
      '',
      misses.length === 0 ? 'all functions PASS' : `MISS: ${misses.map((b) => b.name).join(', ')}`,
    ];
    const floorMin = withFloor ? min(deployed.find((b) => b.name === 'floorLibraries')!.samples) : undefined;
    if (floorMin !== undefined) {
      const functions = deployed.filter((b) => b.name in FUNCTION_ENTRIES);
      const floorMisses = functions.filter(
        (b) => min(b.samples) / floorMin > FLOOR_TARGETS[b.name as FunctionName],
      );
      lines.push(
        `floor targets (min / floorLibraries min ≤ ${FLOOR_TARGETS.webhook.toFixed(2)}× webhook, ≤ ${FLOOR_TARGETS.worker.toFixed(2)}× the others): ${
          floorMisses.length === 0
            ? `all ${functions.length} functions PASS`
            : `${functions.length - floorMisses.length} of ${functions.length} PASS; MISS: ${floorMisses
                .map((b) => `${b.name} ${(min(b.samples) / floorMin).toFixed(2)}×`)
                .join(', ')}`
        }`,
      );
    }
    if (withBefore) {
      const before = bundles.filter((b) => b.variant === 'before');
      lines.push(
        '',
        'before (CommonJS index.js, default credential chain, undici bundled), same run:',
        '',
        ...table(before, helloMinOf(before), false),
        '',
        '| bundle | init min before → deployed | change |',
        '|---|---|---|',
        ...before.map((b) => {
          const now = min(deployed.find((d) => d.name === b.name)!.samples);
          const then = min(b.samples);
          return `| ${b.name} | ${then.toFixed(1)} → ${now.toFixed(1)} ms | ${(((now - then) / then) * 100).toFixed(0)} % |`;
        }),
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
