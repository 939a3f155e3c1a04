/**
 * Bundle size of every function, bundled exactly as deployed (the settings of
 * infra/constructs/function-bundling.ts, shared with the CDK construct), with the packages that
 * weigh most. Sizes are what a cold start reads: the bundle and the chunks it imports statically
 * (chunks loaded on first use are left out). Init time is measured by bench/cold-start.ts.
 *
 *   npx tsx bench/bundle-size.ts
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import {
  BUNDLE_FILE_NAME,
  buildFunctionBundle,
  esbuildOptions,
  FUNCTION_ENTRIES,
  type FunctionName,
  filesLoadedAtInit,
} from '../infra/constructs/function-bundling';

const TARGET_KB: Record<FunctionName, number> = {
  webhook: 150,
  reply: 250,
  worker: 400,
  channels: 400,
  webhookHealer: 400,
};

/** Minified input bytes per package (or `(project)` for our own code) in the files loaded at init. */
function topPackages(metafile: Metafile, outfile: string, n = 5): string {
  const loaded = new Set(filesLoadedAtInit(metafile, outfile));
  const outputs = Object.entries(metafile.outputs).filter(([k]) => loaded.has(join(process.cwd(), k)));
  const sizes = new Map<string, number>();
  for (const [input, info] of outputs.flatMap(([, output]) => Object.entries(output.inputs))) {
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
  const dir = mkdtempSync(join(tmpdir(), 'c2d-bundles-'));
  const rows: string[] = [];
  try {
    for (const [name, entry] of Object.entries(FUNCTION_ENTRIES) as Array<[FunctionName, string]>) {
      const { file: outfile, metafile } = await buildFunctionBundle(entry, join(dir, name));
      const loaded = filesLoadedAtInit(metafile, outfile);
      const bytes = loaded.reduce((sum, f) => sum + statSync(f).size, 0);
      const gz = loaded.reduce((sum, f) => sum + gzipSync(readFileSync(f)).length, 0);
      const kb = bytes / 1024;
      // For comparison only: the same bundle with the runtime's SDK (not what is deployed).
      const externalFile = join(dir, `${name}-sdk-external`, BUNDLE_FILE_NAME);
      const options = esbuildOptions(entry, externalFile);
      await build({
        ...options,
        splitting: false,
        external: [...options.external, '@aws-sdk/*', '@smithy/*'],
      });
      const externalKb = statSync(externalFile).size / 1024;
      rows.push(
        `| ${name} | ${kb.toFixed(1)} KB | ${(gz / 1024).toFixed(1)} KB | ${TARGET_KB[name]} KB ${kb <= TARGET_KB[name] ? 'met' : 'MISSED'} | ${externalKb.toFixed(1)} KB | ${topPackages(metafile!, outfile)} |`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(
    [
      `node ${process.version}; init times: bench/cold-start.ts`,
      '',
      '| function | minified | gzip | target | SDK external (comparison) | largest parts (KB) |',
      '|---|---|---|---|---|---|',
      ...rows,
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
