/**
 * Bundle size and module-initialisation time of every function, bundled exactly as deployed
 * (the settings of infra/constructs/function-bundling.ts, shared with the CDK construct).
 *
 *   npx tsx bench/bundle-size.ts [runs=9]
 *
 * Init time: `require()` of the bundle in a fresh `node` process with the environment the function
 * gets in AWS (dummy values, nothing is called: handlers build their clients on first use), median
 * of N runs, with and without `--enable-source-maps` (the deployed NODE_OPTIONS).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { esbuildOptions, FUNCTION_ENTRIES, type FunctionName } from '../infra/constructs/function-bundling';

const TARGET_KB: Record<FunctionName, number> = {
  webhook: 150,
  reply: 250,
  worker: 400,
  channels: 400,
  webhookHealer: 400,
};

const ENV: Record<string, string> = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  POWERTOOLS_SERVICE_NAME: 'chat2desk-channel',
  POWERTOOLS_METRICS_NAMESPACE: 'Chat2DeskChannel',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  TABLE_NAME: 'bench-table',
  INBOUND_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/bench-inbound.fifo',
  OUTBOUND_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/bench-outbound.fifo',
  INBOUND_DLQ_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/bench-inbound-dlq.fifo',
  OUTBOUND_DLQ_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/bench-outbound-dlq.fifo',
  PUBLIC_BASE_URL: 'https://hooks.example.com',
  AGENT_API_URL: 'https://agent.example.com',
  WEBHOOK_SECRET_KEY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:w',
  TOKEN_HASH_KEY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:t',
  AGENT_API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:a',
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function initMs(bundle: string, sourceMaps: boolean): number {
  const script = `const t=process.hrtime.bigint();require(${JSON.stringify(bundle)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const out = execFileSync(
    process.execPath,
    [...(sourceMaps ? ['--enable-source-maps'] : []), '-e', script],
    {
      env: { PATH: process.env.PATH ?? '', ...ENV },
    },
  );
  return Number(out.toString());
}

/** Minified input bytes per package (or `(project)` for our own code). */
function topPackages(metafile: Metafile, outfile: string, n = 5): string {
  const output = Object.entries(metafile.outputs).find(([k]) => k.endsWith(outfile.split('/').pop()!))?.[1];
  const sizes = new Map<string, number>();
  for (const [input, info] of Object.entries(output?.inputs ?? {})) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
    const key = m ? m[1]! : '(project)';
    sizes.set(key, (sizes.get(key) ?? 0) + info.bytesInOutput);
  }
  return [...sizes.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${k} ${(v / 1024).toFixed(0)}`)
    .join(', ');
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 9);
  const dir = mkdtempSync(join(tmpdir(), 'c2d-bundles-'));
  const rows: string[] = [];
  try {
    for (const [name, entry] of Object.entries(FUNCTION_ENTRIES) as Array<[FunctionName, string]>) {
      const outfile = join(dir, name, 'index.js');
      const result = await build(esbuildOptions(entry, outfile));
      const bytes = statSync(outfile).size;
      const gz = gzipSync(readFileSync(outfile)).length;
      initMs(outfile, false); // warm the file cache
      const plain = median(Array.from({ length: runs }, () => initMs(outfile, false)));
      const mapped = median(Array.from({ length: runs }, () => initMs(outfile, true)));
      const kb = bytes / 1024;
      // For comparison only: the same bundle with the runtime's SDK (not what is deployed).
      const externalFile = join(dir, `${name}-sdk-external`, 'index.js');
      await build({ ...esbuildOptions(entry, externalFile), external: ['@aws-sdk/*', '@smithy/*'] });
      const externalKb = statSync(externalFile).size / 1024;
      rows.push(
        `| ${name} | ${kb.toFixed(1)} KB | ${(gz / 1024).toFixed(1)} KB | ${TARGET_KB[name]} KB ${kb <= TARGET_KB[name] ? 'met' : 'MISSED'} | ${externalKb.toFixed(1)} KB | ${plain.toFixed(1)} ms | ${mapped.toFixed(1)} ms | ${topPackages(result.metafile!, outfile)} |`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(
    [
      `node ${process.version}, ${runs} runs per figure (median)`,
      '',
      '| function | minified | gzip | target | SDK external (comparison) | init | init with source maps | largest parts (KB) |',
      '|---|---|---|---|---|---|---|---|',
      ...rows,
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
