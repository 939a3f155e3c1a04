/**
 * The command line of `npm start` (infra/local/start.ts): its options, parsed strictly (an unknown
 * option is an error, not ignored), its usage text, and the `ready` line it prints once up.
 * Apart from start.ts so it can be tested without starting anything.
 */
import { parseArgs } from 'node:util';

export const START_OPTIONS = {
  'in-memory': { type: 'boolean' },
  quiet: { type: 'boolean' },
  pollers: { type: 'string' },
  'inbound-shards': { type: 'string' },
  'in-process': { type: 'boolean' },
  bundles: { type: 'boolean' },
  'sandbox-profile': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const START_USAGE = [
  'usage: npm start [-- <options>]',
  '',
  'options:',
  '  --in-memory                keep nothing (default: data in .local/dynamodb, keys in .local/keys.json)',
  '  --quiet                    no step lines',
  '  --pollers N                concurrent pollers per queue, 1..1000 (the deployment maxConcurrency; default 2)',
  '  --inbound-shards N         inbound queues, a channel always on one, 1..16 (deploy parameter inboundShards; default 1)',
  '  --in-process               every function in this process instead of one worker thread each',
  '  --bundles                  run the esbuild bundles as CDK builds them (.local/bundles/)',
  '  --sandbox-profile NAME     the sandbox realism profile: classic (default) or minimal',
  '  -h, --help                 this text',
  '',
  'example: npm start -- --in-memory --pollers 8 --sandbox-profile minimal',
  '',
  'env: PORT (3000), HOST (127.0.0.1), LOCAL_IN_MEMORY=true (as --in-memory), LOCAL_RUNTIME=threads|in-process,',
  '     PUBLIC_BASE_URL, AGENT_API_URL, AGENT_API_KEY, SANDBOX_PROFILE (as --sandbox-profile) and the',
  '     SANDBOX_* switches; see docs/LOCAL.md and docs/SANDBOX.md',
].join('\n');

export interface StartOptions {
  help: boolean;
  inMemory: boolean;
  quiet: boolean;
  /** As given; checked by the caller (a number of pollers). */
  pollers?: string;
  /** As given; checked by the caller (a number of inbound shards). */
  inboundShards?: string;
  inProcess: boolean;
  bundles: boolean;
  sandboxProfile?: string;
}

export type ParsedStart = { ok: true; options: StartOptions } | { ok: false; message: string };

const VALID = Object.entries(START_OPTIONS)
  .map(([name, o]) => ('short' in o ? `-${o.short}, --${name}` : `--${name}`))
  .join(', ');

function strictParse(argv: string[]) {
  return parseArgs({ args: argv, options: START_OPTIONS, strict: true, allowPositionals: false }).values;
}

/** The arguments after `npm start --`; a usage mistake is `ok: false` with a one-line message. */
export function parseStartOptions(argv: string[]): ParsedStart {
  let values: ReturnType<typeof strictParse>;
  try {
    values = strictParse(argv);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS')) throw err;
    const reason =
      code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
        ? `unknown option ${/'([^']+)'/.exec((err as Error).message)?.[1] ?? ''}`.trim()
        : (err as Error).message.replace(/\. This command.*$/, '').replace(/^./, (c) => c.toLowerCase());
    return { ok: false, message: `npm start: ${reason}; valid options: ${VALID} (see --help)` };
  }
  const options: StartOptions = {
    help: values.help === true,
    inMemory: values['in-memory'] === true,
    quiet: values.quiet === true,
    inProcess: values['in-process'] === true,
    bundles: values.bundles === true,
  };
  if (values.pollers !== undefined) options.pollers = values.pollers;
  if (values['inbound-shards'] !== undefined) options.inboundShards = values['inbound-shards'];
  if (values['sandbox-profile'] !== undefined) options.sandboxProfile = values['sandbox-profile'];
  return { ok: true, options };
}

export interface ReadyLineInput {
  url: string;
  publicBaseUrl: string;
  agentApiUrl: string;
  /** Where data and keys are kept; undefined when nothing is kept. */
  keptIn: string | undefined;
  /** The sandbox's realism, as `describeRealism` puts it. */
  sandbox: string;
}

/** The one line printed when the stack is up: where to go, whether data is kept, which sandbox runs. */
export function readyLine(r: ReadyLineInput): string {
  const data = r.keptIn ? `data kept in ${r.keptIn}` : 'data in memory (nothing kept)';
  return (
    `ready     chat ${r.url}/sandbox/  console ${r.url}/console/  desk ${r.url}/sandbox/operator/  ` +
    `management POST ${r.url}/management  webhooks ${r.publicBaseUrl}/webhooks/chat2desk/{channelId}/{secret}  ` +
    `agent ${r.agentApiUrl}  ${data}  sandbox ${r.sandbox}  (Ctrl-C to stop)`
  );
}
