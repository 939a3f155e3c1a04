/**
 * Cold start: module init of every function against a one-SQS-client hello bundle
 * (bench/hello/handler.ts), all bundled with the deployed settings (infra/constructs/function-bundling.ts)
 * and measured in the same run.
 *
 *   npm run bench:cold-start -- [runs=11] [--before] [--floor] [--baseline <dir>]
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
 * What a function now loads on first use instead of at init is timed after init in the same
 * process and printed beside it: `node:dns` on the first host lookup (the URL guard) and the
 * function's own lazy chunks (e.g. channel management's caller keys). `--baseline <dir>` also
 * builds the functions (and, with `--floor`, `floorLibraries`) of another checkout of this project
 * with that checkout's own bundling (e.g. `git worktree add /tmp/base main`, with `node_modules`
 * reachable from it) and measures them in the same interleaved run: before → after per function.
 * Exit code 0 either way (a benchmark, not a test).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import {
  BUNDLE_FILE_NAME,
  BUNDLE_SETTINGS,
  buildFunctionBundle,
  esbuildOptions,
  FUNCTION_ENTRIES,
  FUNCTION_NODE_OPTIONS,
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
  NODE_OPTIONS: FUNCTION_NODE_OPTIONS,
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
 * `.mjs`, `require()` otherwise), checks that it exports a handler and prints the time taken. The
 * second argument (JSON) asks for what a first invocation then loads, each timed in turn: the
 * function's own lazy chunks (`chunks`), `node:dns` as the URL guard's first lookup imports it
 * (`dns`), and undici as the first Chat2Desk call requires it from the bundle's folder (`undici`;
 * shared/adapters/chat2desk/edge.ts does that) — in this order, the order of a first send.
 */
const LOADER = `
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
const [file, spec] = process.argv.slice(2);
const { chunks = [], dns = false, undici = false } = spec ? JSON.parse(spec) : {};
const start = performance.now();
const mod = file.endsWith('.mjs') ? await import(pathToFileURL(file).href) : createRequire(file)(file);
const initMs = performance.now() - start;
if (typeof mod.handler !== 'function') throw new Error(file + ' exports no handler');
const timed = async (load) => { const t = performance.now(); await load(); return performance.now() - t; };
let dnsMs, lazyMs;
const chunksMs = [];
for (const c of chunks) chunksMs.push(await timed(() => import(pathToFileURL(c).href)));
if (dns) dnsMs = await timed(() => import('node:dns/promises'));
if (undici) lazyMs = await timed(() => createRequire(file)('undici'));
process.stdout.write(JSON.stringify({ initMs, chunksMs, dnsMs, lazyMs }));
`;

type Variant = 'deployed' | 'before' | 'baseline';

interface Bundle {
  name: BundleName;
  variant: Variant;
  file: string;
  bytes: number;
  gzipBytes: number;
  /** Whether the function uses the Chat2Desk edge (and so loads undici on its first call). */
  usesEdge: boolean;
  /** Whether the URL guard's lookup imports node:dns on first use (not at init). */
  dnsOnFirstLookup: boolean;
  /** The function's own chunks, loaded by a dynamic import on first use (absolute paths). */
  lazyChunks: string[];
  /** Per lazy chunk (same order), what importing it took after init. */
  samples: number[];
  lazySamples: number[];
  dnsSamples: number[];
  chunkSamples: number[][];
}

/** One fresh process loading the bundle; its times go to the samples unless `record` is false. */
function initOnce(loader: string, bundle: Bundle, record = true): void {
  const firstUse =
    bundle.variant === 'deployed'
      ? [JSON.stringify({ chunks: bundle.lazyChunks, dns: bundle.dnsOnFirstLookup, undici: bundle.usesEdge })]
      : [];
  const out = execFileSync(process.execPath, [loader, bundle.file, ...firstUse], {
    env: {
      PATH: process.env.PATH ?? '',
      ...lambdaEnvironment(bundle.name),
      ...CONSTRUCT_ENVIRONMENT,
      ...STACK_ENVIRONMENT[bundle.name],
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { initMs, lazyMs, dnsMs, chunksMs } = JSON.parse(out.toString()) as {
    initMs: number;
    lazyMs?: number;
    dnsMs?: number;
    chunksMs?: number[];
  };
  if (!record) return;
  bundle.samples.push(initMs);
  if (lazyMs !== undefined) bundle.lazySamples.push(lazyMs);
  if (dnsMs !== undefined) bundle.dnsSamples.push(dnsMs);
  chunksMs?.forEach((ms, i) => {
    bundle.chunkSamples[i] = [...(bundle.chunkSamples[i] ?? []), ms];
  });
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

/** The other checkout's own `buildFunctionBundle` (its bundling settings, its code). */
type BuildFunctionBundle = typeof buildFunctionBundle;
async function baselineBuilder(checkout: string): Promise<BuildFunctionBundle> {
  const module = join(resolve(checkout), 'infra', 'constructs', 'function-bundling.ts');
  const loaded = (await import(pathToFileURL(module).href)) as {
    buildFunctionBundle?: BuildFunctionBundle;
    default?: { buildFunctionBundle?: BuildFunctionBundle };
  };
  const build = loaded.buildFunctionBundle ?? loaded.default?.buildFunctionBundle;
  if (!build) throw new Error(`${module} exports no buildFunctionBundle`);
  return build;
}

async function buildBundle(
  dir: string,
  variant: Variant,
  name: Bundle['name'],
  entry: string,
  baseline?: BuildFunctionBundle,
) {
  const outDir = join(dir, variant, name);
  const { file, metafile } =
    variant === 'deployed'
      ? await buildFunctionBundle(entry, outDir)
      : variant === 'baseline'
        ? await baseline!(entry, outDir)
        : await buildBefore(entry, outDir);
  // What a cold start reads: the bundle and the chunks it imports statically (not the lazy ones).
  const loaded = filesLoadedAtInit(metafile, file);
  const ownLazyChunks = Object.entries(metafile.outputs)
    .filter(
      ([output, o]) =>
        o.entryPoint && /(^|\/)(shared|functions)\//.test(o.entryPoint) && output.endsWith('.mjs'),
    )
    .map(([output]) => join(process.cwd(), output))
    .filter((f) => f !== file && !loaded.includes(f));
  const urlGuard = Object.entries(metafile.inputs).find(([input]) =>
    input.endsWith('shared/adapters/http/url-guard.ts'),
  )?.[1];
  const bundle: Bundle = {
    name,
    variant,
    file,
    bytes: loaded.reduce((sum, f) => sum + statSync(f).size, 0),
    gzipBytes: loaded.reduce((sum, f) => sum + gzipSync(readFileSync(f)).length, 0),
    usesEdge: Object.keys(metafile.inputs).some((i) => i.endsWith('shared/adapters/chat2desk/edge.ts')),
    dnsOnFirstLookup: Boolean(
      urlGuard?.imports.some((i) => i.path === 'node:dns/promises' && i.kind === 'dynamic-import'),
    ),
    lazyChunks: ownLazyChunks,
    samples: [],
    lazySamples: [],
    dnsSamples: [],
    chunkSamples: [],
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
    const minMedian = (samples: number[]) =>
      samples.length ? `${min(samples).toFixed(1)} / ${median(samples).toFixed(1)} ms` : '—';
    const chunks = b.lazyChunks.length
      ? b.lazyChunks
          .map(
            (c, i) => `${basename(c).replace(/-[A-Z0-9]+\.mjs$/, '')} ${minMedian(b.chunkSamples[i] ?? [])}`,
          )
          .join('; ')
      : '—';
    const lazy = `${minMedian(b.lazySamples)} | ${minMedian(b.dnsSamples)} | ${chunks}`;
    return `| ${b.name} | ${(b.bytes / 1024).toFixed(1)} KB | ${(b.gzipBytes / 1024).toFixed(1)} KB | ${min(b.samples).toFixed(1)} ms | ${median(b.samples).toFixed(1)} ms | ${ratio.toFixed(2)}× | ${verdict} |${floor ? ` ${overFloor(b)} | ${floorRatio(b)} |` : ''}${withLazy ? ` ${lazy} |` : ''}`;
  });
  return [
    `| bundle | minified | gzip | init min | init median | min / hello min | ≤ ${TARGET_RATIO}× |${floor ? ' min over floorLibraries | min / floorLibraries min | ≤ floor target |' : ''}${withLazy ? ' undici on first Chat2Desk call (min / median) | node:dns on first lookup (min / median) | own lazy chunks, each on its first use (min / median) |' : ''}`,
    `|---|---|---|---|---|---|---|${floor ? '---|---|---|' : ''}${withLazy ? '---|---|---|' : ''}`,
    ...rows,
  ];
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const withBefore = args.includes('--before');
  const withFloor = args.includes('--floor');
  const baselineAt = args.indexOf('--baseline');
  const baselineDir = baselineAt >= 0 ? args[baselineAt + 1] : undefined;
  if (baselineAt >= 0 && !baselineDir) throw new Error('--baseline needs the folder of another checkout');
  const baseline = baselineDir ? await baselineBuilder(baselineDir) : undefined;
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
    if (baseline) {
      for (const [name, entry] of entries) {
        if (name === 'hello' || name === 'floorClients') continue;
        bundles.push(await buildBundle(dir, 'baseline', name, entry, baseline));
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
    if (baseline) {
      const base = bundles.filter((b) => b.variant === 'baseline');
      const baseFloor = base.find((b) => b.name === 'floorLibraries');
      const nowFloor = deployed.find((b) => b.name === 'floorLibraries');
      const ratioTo = (b: Bundle, floor: Bundle | undefined) =>
        floor ? ` ${(min(b.samples) / min(floor.samples)).toFixed(2)}× |` : '';
      lines.push(
        '',
        `baseline ${baselineDir} (its own code and bundling), same run:`,
        '',
        `| bundle | minified before → now | init min before → now | change |${baseFloor ? ' before: min / its floorLibraries min | now: min / floorLibraries min |' : ''}`,
        `|---|---|---|---|${baseFloor ? '---|---|' : ''}`,
        ...base.map((b) => {
          const d = deployed.find((x) => x.name === b.name)!;
          const then = min(b.samples);
          const now = min(d.samples);
          return `| ${b.name} | ${(b.bytes / 1024).toFixed(1)} → ${(d.bytes / 1024).toFixed(1)} KB | ${then.toFixed(1)} → ${now.toFixed(1)} ms | ${(((now - then) / then) * 100).toFixed(0)} % |${b.name in FUNCTION_ENTRIES ? `${ratioTo(b, baseFloor)}${ratioTo(d, nowFloor)}` : baseFloor ? ' — | — |' : ''}`;
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
