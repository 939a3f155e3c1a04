/**
 * `npm start`: the whole connector on this machine (see docs/LOCAL.md).
 *
 *   npm start                  data kept in .local/ (DynamoDB Local), keys in .local/keys.json
 *   npm start -- --in-memory   nothing kept (or LOCAL_IN_MEMORY=true)
 *   npm start -- --quiet       no step lines
 *   npm start -- --pollers 8   concurrent pollers per queue (the deployment's maxConcurrency; default 2)
 *   npm start -- --in-process  every function in this process instead of one worker thread each
 *   npm start -- --bundles     the deployed artifacts: esbuild bundles as CDK builds them (.local/bundles/)
 *   npm start -- --sandbox-profile minimal   the sandbox in its other realism profile (or
 *                              SANDBOX_PROFILE=minimal; single switches: SANDBOX_* in docs/SANDBOX.md)
 *
 * Ctrl-C / SIGTERM stops everything, DynamoDB Local's java process included.
 */
import { MAX_INBOUND_SHARDS } from '../../shared/adapters/sqs/queue-definitions';
import { MissingJavaError } from './emulators';
import { PortInUseError } from './runtime/http-server';
import { type LocalStack, startLocalStack } from './runtime/stack';
import { describeRealism, realismFromEnv } from './sandbox/realism';
import { parseStartOptions, readyLine, START_USAGE } from './start-options';

// The SDK's notice about Node 20 support says nothing a local user can act on.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// Strict: an unknown option is a mistake to point out, not something to ignore (exit 2, as usage errors).
const parsed = parseStartOptions(process.argv.slice(2));
if (!parsed.ok) {
  process.stderr.write(`${parsed.message}\n`);
  process.exit(2);
}
const cli = parsed.options;
if (cli.help) {
  process.stdout.write(`${START_USAGE}\n`);
  process.exit(0);
}

let stack: LocalStack | undefined;
const childPids: number[] = [];
let exiting = false;

// Last resort: whatever way this process ends, no java is left behind.
process.on('exit', () => {
  for (const pid of childPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

async function shutdown(code: number, why?: string): Promise<void> {
  if (exiting) return;
  exiting = true;
  if (why) process.stdout.write(`\n${why}: stopping...\n`);
  const force = setTimeout(() => process.exit(code), 10_000);
  force.unref();
  try {
    await stack?.stop();
  } finally {
    // Writes to a pipe are asynchronous: exit once the last line is out.
    process.stdout.write(why ? 'stopped\n' : '', () => process.exit(code));
  }
}

let firstSignalAt = 0;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (exiting) {
      // One Ctrl-C arrives twice under `npm start`: from the terminal to the whole process group,
      // and relayed by tsx. Only a later, second Ctrl-C means "leave now" (the exit hook still
      // kills java).
      if (Date.now() - firstSignalAt > 1000) process.exit(130);
      return;
    }
    firstSignalAt = Date.now();
    void shutdown(0, signal);
  });
}
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (err: unknown) => {
    process.stderr.write(
      `local stack: ${event}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    void shutdown(1);
  });
}

async function main(): Promise<void> {
  const port = process.env.PORT ? Number(process.env.PORT) : 3000;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`PORT=${process.env.PORT} is not a port number\n`);
    process.exit(1);
  }
  const pollersValue = cli.pollers;
  const pollers = pollersValue === undefined ? undefined : Number(pollersValue);
  if (pollers !== undefined && !(Number.isInteger(pollers) && pollers >= 1 && pollers <= 1000)) {
    process.stderr.write(`--pollers ${pollersValue}: give a whole number of pollers per queue, 1..1000\n`);
    process.exit(1);
  }
  const shardsValue = cli.inboundShards;
  const inboundShards = shardsValue === undefined ? undefined : Number(shardsValue);
  if (
    inboundShards !== undefined &&
    !(Number.isInteger(inboundShards) && inboundShards >= 1 && inboundShards <= MAX_INBOUND_SHARDS)
  ) {
    process.stderr.write(
      `--inbound-shards ${shardsValue}: give a whole number of inbound queues, 1..${MAX_INBOUND_SHARDS}\n`,
    );
    process.exit(1);
  }
  const sandboxProfile = cli.sandboxProfile ?? process.env.SANDBOX_PROFILE;
  let sandbox: ReturnType<typeof realismFromEnv>;
  try {
    sandbox = realismFromEnv(process.env, sandboxProfile);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
  try {
    stack = await startLocalStack({
      port,
      sandbox,
      inMemory: cli.inMemory || undefined,
      quiet: cli.quiet,
      pollerConcurrency: pollers,
      inboundShards,
      runtime: cli.inProcess ? 'in-process' : undefined,
      bundles: cli.bundles || undefined,
      onChildProcess: (pid) => childPids.push(pid),
    });
  } catch (err) {
    if (err instanceof PortInUseError || err instanceof MissingJavaError) {
      process.stderr.write(
        err instanceof MissingJavaError
          ? 'Java was not found: DynamoDB Local needs Java 17 — install it (e.g. apt-get install openjdk-17-jre-headless) and run npm start again\n'
          : `${err.message}\n`,
      );
      process.exit(1);
    }
    throw err;
  }
  if (exiting) return; // a signal arrived while starting; shutdown is running
  process.stdout.write(
    `${readyLine({
      url: stack.url,
      publicBaseUrl: stack.env.PUBLIC_BASE_URL ?? stack.url,
      agentApiUrl: stack.env.AGENT_API_URL ?? '',
      keptIn: stack.keptIn,
      sandbox: describeRealism(process.env, sandboxProfile),
    })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`local stack failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  void shutdown(1);
});
