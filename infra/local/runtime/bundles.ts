/**
 * The deployed artifacts, built here: every function bundled by `buildFunctionBundle()` — the one
 * place the bundling settings live, shared with the CDK construct (`esbuildOptions()` and the lazy
 * modules its afterBundling hook adds) — into `<dir>/<function>/` (`index.mjs` or `index.js`, as
 * the settings say), the file Lambda loads as `index.handler`.
 *
 * The thread that hosts a bundle is itself compiled to plain JavaScript here, so nothing but the
 * bundle and Node's own loader touch the function's code (no tsx hooks, as on Lambda).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  BUNDLE_SETTINGS,
  buildFunctionBundle,
  buildLazyModules,
  FUNCTION_ENTRIES,
  type FunctionName,
} from '../../constructs/function-bundling';

export interface FunctionBundles {
  /** The bundle of each function, as Lambda finds it in its task root. */
  files: Record<FunctionName, string>;
  /** function-thread.ts as JavaScript (CommonJS), for `threadFile`. */
  threadFile: string;
  /** How long the builds took, ms. */
  buildMs: number;
}

export async function buildFunctionBundles(dir: string): Promise<FunctionBundles> {
  // Loaded here, not at the top: the local stack imports this module whether or not it runs bundles.
  const { build } = require('esbuild') as typeof import('esbuild');
  const started = performance.now();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const keys = Object.keys(FUNCTION_ENTRIES) as FunctionName[];
  const files = {} as Record<FunctionName, string>;
  const threadFile = join(dir, 'function-thread.cjs');
  // The lazy modules are the same for every function: built once, copied next to each bundle.
  const lazyModulesFrom = join(dir, 'lazy-modules');
  await buildLazyModules(lazyModulesFrom);
  await Promise.all([
    ...keys.map(async (key) => {
      files[key] = (
        await buildFunctionBundle(FUNCTION_ENTRIES[key], join(dir, key), { lazyModulesFrom })
      ).file;
    }),
    build({
      entryPoints: [join(__dirname, 'function-thread.ts')],
      outfile: threadFile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: BUNDLE_SETTINGS.target,
      logLevel: 'warning',
    }),
  ]);
  return { files, threadFile, buildMs: performance.now() - started };
}
