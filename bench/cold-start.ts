/**
 * Cold start: module init of every function against a one-SQS-client hello bundle
 * (bench/hello/handler.ts), all bundled with the deployed settings (infra/constructs/function-bundling.ts)
 * and measured in the same run.
 *
 *   npm run bench:cold-start -- [runs=11]
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
 * Printed per bundle: size, min and median init, the ratio of its min to hello's min and PASS/MISS
 * against the target (≤ 1.25×). Exit code 0 either way (a benchmark, not a test).
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
  FUNCTION_ENTRIES,
  type FunctionName,
} from '../infra/constructs/function-bundling';

export const TARGET_RATIO = 1.25;
const HELLO_ENTRY = 'bench/hello/handler.ts';

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
const STACK_ENVIRONMENT: Record<FunctionName | 'hello', Record<string, string>> = {
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
};

/**
 * Runs in the fresh process: loads the bundle the way the Node.js runtime does (`import()` for
 * `.mjs`, `require()` otherwise), checks that it exports a handler and prints the time taken.
 */
const LOADER = `
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
const file = process.argv[2];
const start = performance.now();
const mod = file.endsWith('.mjs') ? await import(pathToFileURL(file).href) : createRequire(file)(file);
const initMs = performance.now() - start;
if (typeof mod.handler !== 'function') throw new Error(file + ' exports no handler');
process.stdout.write(JSON.stringify({ initMs }));
`;

interface Bundle {
  name: FunctionName | 'hello';
  file: string;
  bytes: number;
  gzipBytes: number;
  samples: number[];
}

function initOnce(loader: string, bundle: Bundle): number {
  const out = execFileSync(process.execPath, [loader, bundle.file], {
    env: {
      PATH: process.env.PATH ?? '',
      ...lambdaEnvironment(bundle.name),
      ...CONSTRUCT_ENVIRONMENT,
      ...STACK_ENVIRONMENT[bundle.name],
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return (JSON.parse(out.toString()) as { initMs: number }).initMs;
}

const min = (values: number[]) => Math.min(...values);
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function buildBundle(dir: string, name: Bundle['name'], entry: string): Promise<Bundle> {
  const { file } = await buildFunctionBundle(entry, join(dir, name));
  return {
    name,
    file,
    bytes: statSync(file).size,
    gzipBytes: gzipSync(readFileSync(file)).length,
    samples: [],
  };
}

async function main(): Promise<void> {
  const runs = Math.max(11, Number(process.argv[2] ?? 11));
  const dir = mkdtempSync(join(tmpdir(), 'c2d-cold-start-'));
  try {
    const loader = join(dir, 'load.mjs');
    writeFileSync(loader, LOADER);
    const bundles = [await buildBundle(dir, 'hello', HELLO_ENTRY)];
    for (const [name, entry] of Object.entries(FUNCTION_ENTRIES) as Array<[FunctionName, string]>) {
      bundles.push(await buildBundle(dir, name, entry));
    }
    for (const bundle of bundles) initOnce(loader, bundle); // file cache warm, not measured
    const loadBefore = loadavg()[0]!;
    for (let run = 0; run < runs; run += 1) {
      for (let i = 0; i < bundles.length; i += 1) {
        const bundle = bundles[(i + run) % bundles.length]!;
        bundle.samples.push(initOnce(loader, bundle));
      }
    }
    const loadAfter = loadavg()[0]!;
    const helloMin = min(bundles[0]!.samples);
    const rows = bundles.map((b) => {
      const ratio = min(b.samples) / helloMin;
      const verdict = b.name === 'hello' ? '(reference)' : ratio <= TARGET_RATIO ? 'PASS' : 'MISS';
      return `| ${b.name} | ${(b.bytes / 1024).toFixed(1)} KB | ${(b.gzipBytes / 1024).toFixed(1)} KB | ${min(b.samples).toFixed(1)} ms | ${median(b.samples).toFixed(1)} ms | ${ratio.toFixed(2)}× | ${verdict} |`;
    });
    const misses = bundles.filter((b) => b.name !== 'hello' && min(b.samples) / helloMin > TARGET_RATIO);
    process.stdout.write(
      [
        `node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, load average ${loadBefore.toFixed(2)} → ${loadAfter.toFixed(2)}`,
        `format ${BUNDLE_SETTINGS.format} (${BUNDLE_FILE_NAME}), ${runs} fresh processes per bundle, interleaved; target ≤ ${TARGET_RATIO}× hello (min)`,
        '',
        '| bundle | minified | gzip | init min | init median | min / hello min | ≤ 1.25× |',
        '|---|---|---|---|---|---|---|',
        ...rows,
        '',
        misses.length === 0 ? 'all functions PASS' : `MISS: ${misses.map((b) => b.name).join(', ')}`,
        '',
      ].join('\n'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
