/**
 * How every function is bundled, in one place: the CDK construct, `bench/cold-start.ts`,
 * `bench/bundle-size.ts` and any loader of the built bundles build from these settings, so what is
 * measured and tested is what is deployed. Reasons in docs/DEPLOY.md ("Bundling and cold start").
 *
 * - Minified ES module (`index.mjs`), target node20: the code also runs on this machine's Node 20,
 *   while AWS runs it on the Node 22 runtime. A banner gives the module a `require` (CommonJS
 *   dependencies bundled into it require Node built-ins, and the lazy modules below are required).
 * - The AWS SDK is bundled (not taken from the runtime): pinned versions, tree-shaken clients; its
 *   default credential chain is replaced by the environment provider Lambda needs.
 * - Lazy modules (undici) are built as separate minified files next to the bundle and required
 *   only on first use, so a cold start does not parse them.
 * - Code splitting: code of ours reached only through a dynamic `import()` (rare paths) goes into
 *   chunk files in `chunks/` next to the bundle, loaded when first used; code the bundle needs
 *   anyway stays in it (one copy of every module, shared by the bundle and its chunks).
 * - Source maps without sources content: readable stack traces, smaller artefacts.
 */
import { cpSync, mkdirSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { Metafile } from 'esbuild';

export const PROJECT_ROOT = join(__dirname, '..', '..');

/** The deployable functions and their entry files, relative to the project root. */
export const FUNCTION_ENTRIES = {
  webhook: 'functions/webhook/handler.ts',
  worker: 'functions/worker/handler.ts',
  reply: 'functions/reply/handler.ts',
  channels: 'functions/channels/handler.ts',
  webhookHealer: 'functions/webhook-healer/handler.ts',
} as const;

export type FunctionName = keyof typeof FUNCTION_ENTRIES;

/** Every function's NODE_OPTIONS: stack traces point into the TypeScript sources (the bundles carry source maps). */
export const FUNCTION_NODE_OPTIONS = '--enable-source-maps';

export const BUNDLE_SETTINGS = {
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  target: 'node20',
  format: 'esm' as 'esm' | 'cjs',
  // Prefer ES modules where a package ships both: esbuild can tree-shake them.
  mainFields: ['module', 'main'],
  bundleAwsSDK: true,
  externalModules: [] as string[],
  /**
   * Module → replacement (relative to the project root). In Lambda the execution role's
   * credentials are in the environment: the SDK's default chain (config files, SSO, STS web
   * identity, IMDS, ...) is never reached, so only the environment provider is bundled.
   */
  alias: {
    '@aws-sdk/credential-provider-node': 'shared/adapters/aws-credentials-from-env.ts',
  } as Record<string, string>,
  /**
   * Packages required only on first use (`require` inside a function), each bundled into its own
   * minified CommonJS file `node_modules/<name>/index.js` next to the function's bundle: a cold
   * start does not parse them. undici (~0.5 MB) is the Chat2Desk edge, loaded on the first
   * Chat2Desk call (shared/adapters/chat2desk/edge.ts).
   */
  lazyModules: ['undici'] as string[],
  /**
   * Dynamic `import()`s of our own modules become chunk files under `CHUNK_DIR` next to the bundle
   * (esbuild code splitting, ES modules only), loaded on first use.
   */
  splitting: true,
} as const;

/** Where the chunks of a split bundle go, relative to the bundle's folder. */
export const CHUNK_DIR = 'chunks';

/**
 * Gives an ES module bundle a `require` in its scope (esbuild's `__require` shim uses it): CommonJS
 * dependencies bundled into it require Node built-ins, and the lazy modules are required.
 */
export const BUNDLE_BANNER =
  BUNDLE_SETTINGS.format === 'esm'
    ? "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);"
    : '';

/** The file name of a function's bundle in its output folder (what a loader of the bundles opens). */
export const BUNDLE_FILE_NAME = BUNDLE_SETTINGS.format === 'esm' ? 'index.mjs' : 'index.js';

/** Where a lazy module's file goes, relative to the bundle's folder (plain `require` resolution). */
export function lazyModuleFile(name: string): string {
  return join('node_modules', name, 'index.js');
}

/** The modules replaced in every bundle, with the absolute path of each replacement. */
export function aliasPaths(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(BUNDLE_SETTINGS.alias).map(([module, file]) => [module, join(PROJECT_ROOT, file)]),
  );
}

/** Left out of every bundle: the external modules and the lazy ones (their own files). */
export const BUNDLE_EXTERNALS: string[] = [
  ...BUNDLE_SETTINGS.externalModules,
  ...BUNDLE_SETTINGS.lazyModules,
];

/**
 * The same settings as esbuild `build()` options (what NodejsFunction runs on the command line,
 * with the split build of `splitBundleCommand` after it). The bundle is written to `outfile`; its
 * chunks, if any, to `CHUNK_DIR` beside it.
 */
export function esbuildOptions(entry: string, outfile: string) {
  const extension = extname(outfile);
  return {
    entryPoints: [join(PROJECT_ROOT, entry)],
    outdir: dirname(outfile),
    entryNames: basename(outfile, extension),
    chunkNames: `${CHUNK_DIR}/[name]-[hash]`,
    outExtension: { '.js': extension },
    splitting: BUNDLE_SETTINGS.splitting && BUNDLE_SETTINGS.format === 'esm',
    bundle: true,
    platform: 'node' as const,
    minify: BUNDLE_SETTINGS.minify,
    sourcemap: BUNDLE_SETTINGS.sourceMap,
    sourcesContent: BUNDLE_SETTINGS.sourcesContent,
    target: BUNDLE_SETTINGS.target,
    format: BUNDLE_SETTINGS.format,
    mainFields: [...BUNDLE_SETTINGS.mainFields],
    banner: { js: BUNDLE_BANNER },
    alias: aliasPaths(),
    external: BUNDLE_EXTERNALS,
    metafile: true,
    logLevel: 'warning' as const,
  };
}

/** esbuild `build()` options of one lazy module's file, for a bundle in `bundleDir`. */
export function lazyModuleOptions(name: string, bundleDir: string) {
  return {
    entryPoints: [require.resolve(name, { paths: [PROJECT_ROOT] })],
    outfile: join(bundleDir, lazyModuleFile(name)),
    bundle: true,
    platform: 'node' as const,
    minify: BUNDLE_SETTINGS.minify,
    target: BUNDLE_SETTINGS.target,
    format: 'cjs' as const,
    logLevel: 'warning' as const,
  };
}

/** The same as shell commands, for NodejsFunction's `afterBundling` hook (local esbuild). */
export function lazyModuleCommands(bundleDir: string): string[] {
  const esbuild = join(PROJECT_ROOT, 'node_modules', '.bin', 'esbuild');
  return BUNDLE_SETTINGS.lazyModules.map((name) => {
    const o = lazyModuleOptions(name, bundleDir);
    return [
      `"${esbuild}"`,
      `"${o.entryPoints[0]}"`,
      '--bundle',
      `--platform=${o.platform}`,
      `--format=${o.format}`,
      `--target=${o.target}`,
      ...(o.minify ? ['--minify'] : []),
      `--log-level=${o.logLevel}`,
      `--outfile="${o.outfile}"`,
    ].join(' ');
  });
}

/**
 * NodejsFunction bundles into one file (`--outfile`), which cannot split. This command, the first of
 * the construct's `afterBundling` hook, builds the function again with the same settings and code
 * splitting into the asset folder (`entry` relative to the project root, as in FUNCTION_ENTRIES): `index.mjs` (+ map) is replaced and the chunks are written beside
 * it, as `buildFunctionBundle` writes them.
 */
export function splitBundleCommand(entry: string, bundleDir: string): string[] {
  const o = esbuildOptions(entry, join(bundleDir, BUNDLE_FILE_NAME));
  if (!o.splitting) return [];
  const esbuild = join(PROJECT_ROOT, 'node_modules', '.bin', 'esbuild');
  const quote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;
  return [
    [
      `"${esbuild}"`,
      quote(o.entryPoints[0]!),
      '--bundle',
      `--platform=${o.platform}`,
      `--format=${o.format}`,
      `--target=${o.target}`,
      ...(o.minify ? ['--minify'] : []),
      ...(o.sourcemap ? ['--sourcemap'] : []),
      ...(o.sourcesContent ? [] : ['--sources-content=false']),
      `--main-fields=${o.mainFields.join(',')}`,
      ...(o.banner.js ? [quote(`--banner:js=${o.banner.js}`)] : []),
      ...Object.entries(o.alias).map(([module, file]) => quote(`--alias:${module}=${file}`)),
      ...o.external.map((module) => quote(`--external:${module}`)),
      '--splitting',
      quote(`--outdir=${o.outdir}`),
      `--entry-names=${o.entryNames}`,
      `--chunk-names=${o.chunkNames}`,
      `--out-extension:.js=${o.outExtension['.js']}`,
      `--log-level=${o.logLevel}`,
    ].join(' '),
  ];
}

/**
 * Builds one function as deployed into `outDir`: `outDir/BUNDLE_FILE_NAME` (+ `.map`) and its lazy
 * modules. For the benchmarks and loaders of the built bundles; the CDK construct runs the same
 * through NodejsFunction. `lazyModulesFrom`: a folder where the lazy modules were already built
 * (`buildLazyModules`), copied instead of built again for every function.
 */
export async function buildFunctionBundle(
  entry: string,
  outDir: string,
  options: { lazyModulesFrom?: string } = {},
): Promise<{ file: string; metafile: Metafile }> {
  // Required here, not imported at the top: synthesis loads this module and NodejsFunction runs the CLI.
  const { build } = require('esbuild') as typeof import('esbuild');
  const file = join(outDir, BUNDLE_FILE_NAME);
  const result = await build(esbuildOptions(entry, file));
  if (options.lazyModulesFrom) {
    for (const name of BUNDLE_SETTINGS.lazyModules) {
      const target = join(outDir, lazyModuleFile(name));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(join(options.lazyModulesFrom, lazyModuleFile(name)), target);
    }
  } else {
    await buildLazyModules(outDir);
  }
  return { file, metafile: result.metafile! };
}

/**
 * The outputs (metafile keys) a cold start loads from `entry`: it and the chunks it imports
 * statically, transitively; chunks reached only by a dynamic `import()` are loaded on first use.
 */
export function outputsLoadedAtInit(metafile: Metafile, entry: string): string[] {
  const files = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const i of metafile.outputs[file]!.imports) {
      if (i.kind === 'import-statement' && metafile.outputs[i.path]) pending.push(i.path);
    }
  }
  return [...files];
}

/** The output files a cold start loads (absolute paths): `outputsLoadedAtInit` of the bundle. */
export function filesLoadedAtInit(metafile: Metafile, bundleFile: string): string[] {
  const byAbsolute = new Map(Object.keys(metafile.outputs).map((o) => [join(process.cwd(), o), o]));
  const entry = byAbsolute.get(bundleFile) ?? byAbsolute.get(join(process.cwd(), bundleFile));
  if (!entry) throw new Error(`${bundleFile} is not an output of this build`);
  return outputsLoadedAtInit(metafile, entry).map((output) => join(process.cwd(), output));
}

/** The lazy modules' files, as `node_modules/<name>/index.js` under `dir`. */
export async function buildLazyModules(dir: string): Promise<void> {
  const { build } = require('esbuild') as typeof import('esbuild');
  for (const name of BUNDLE_SETTINGS.lazyModules) await build(lazyModuleOptions(name, dir));
}
