/**
 * The deployed artifacts, built here: every function bundled with `esbuildOptions()` — the one
 * place the bundling settings live, shared with the CDK construct — into `<dir>/<function>/index.js`
 * (`index.mjs` when the settings say ESM), the file Lambda loads as `index.handler`.
 *
 * The thread that hosts a bundle is itself compiled to plain JavaScript here, so nothing but the
 * bundle and Node's own loader touch the function's code (no tsx hooks, as on Lambda).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { esbuildOptions, FUNCTION_ENTRIES } from '../../constructs/function-bundling';

export type BundledFunction = keyof typeof FUNCTION_ENTRIES;

export interface FunctionBundles {
  /** The bundle of each function, as Lambda finds it in its task root. */
  files: Record<BundledFunction, string>;
  /** function-thread.ts as JavaScript (CommonJS), for `threadFile`. */
  threadFile: string;
  /** How long the builds took, ms. */
  buildMs: number;
}

/** `.mjs` for ES module output (Lambda's Node runtime loads index.mjs as ESM), `.js` otherwise. */
function bundleExtension(entry: string, dir: string): string {
  const probe = esbuildOptions(entry, join(dir, 'index.js')) as { format?: string; outExtension?: unknown };
  return probe.format === 'esm' ? '.mjs' : '.js';
}

export async function buildFunctionBundles(dir: string): Promise<FunctionBundles> {
  const started = performance.now();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const keys = Object.keys(FUNCTION_ENTRIES) as BundledFunction[];
  const files = {} as Record<BundledFunction, string>;
  for (const key of keys) {
    const fnDir = join(dir, key);
    files[key] = join(fnDir, `index${bundleExtension(FUNCTION_ENTRIES[key], fnDir)}`);
  }
  const threadFile = join(dir, 'function-thread.cjs');
  await Promise.all([
    ...keys.map((key) => build(esbuildOptions(FUNCTION_ENTRIES[key], files[key]))),
    build({
      entryPoints: [join(__dirname, 'function-thread.ts')],
      outfile: threadFile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'warning',
    }),
  ]);
  return { files, threadFile, buildMs: performance.now() - started };
}
