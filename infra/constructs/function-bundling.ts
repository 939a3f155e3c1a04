/**
 * How every function is bundled, in one place: the CDK construct and `bench/bundle-size.ts` both
 * build from these settings, so the benchmark measures exactly what is deployed.
 *
 * - Minified, CommonJS, target node20: the code also runs on this machine's Node 20, while AWS runs
 *   it on the Node 22 runtime.
 * - The AWS SDK is bundled (not taken from the runtime): pinned versions, tree-shaken clients.
 * - Source maps without sources content: readable stack traces, smaller artefacts.
 */
import { join } from 'node:path';

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

export const BUNDLE_SETTINGS = {
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  target: 'node20',
  format: 'cjs',
  // Prefer ES modules where a package ships both: esbuild can tree-shake them.
  mainFields: ['module', 'main'],
  bundleAwsSDK: true,
  externalModules: [] as string[],
} as const;

/** The same settings as esbuild `build()` options (what NodejsFunction runs on the command line). */
export function esbuildOptions(entry: string, outfile: string) {
  return {
    entryPoints: [join(PROJECT_ROOT, entry)],
    outfile,
    bundle: true,
    platform: 'node' as const,
    minify: BUNDLE_SETTINGS.minify,
    sourcemap: BUNDLE_SETTINGS.sourceMap,
    sourcesContent: BUNDLE_SETTINGS.sourcesContent,
    target: BUNDLE_SETTINGS.target,
    format: BUNDLE_SETTINGS.format,
    mainFields: [...BUNDLE_SETTINGS.mainFields],
    external: [...BUNDLE_SETTINGS.externalModules],
    metafile: true,
    logLevel: 'warning' as const,
  };
}
