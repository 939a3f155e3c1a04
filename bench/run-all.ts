/**
 * `npm run bench`: every benchmark in sequence, each in its own process (one stack per process),
 * skipping those not present yet. Knobs: ACK_RUNS, COLD_START_RUNS, PIPELINE_RATE, PIPELINE_SECONDS, PIPELINE_CLIENTS.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');
const benches: { file: string; args: string[] }[] = [
  { file: 'bench/ack-latency.ts', args: [process.env.ACK_RUNS ?? '2000'] },
  { file: 'bench/bundle-size.ts', args: [] },
  { file: 'bench/cold-start.ts', args: [process.env.COLD_START_RUNS ?? '11'] },
  {
    file: 'bench/pipeline.ts',
    args: [
      process.env.PIPELINE_RATE ?? '20',
      process.env.PIPELINE_SECONDS ?? '60',
      process.env.PIPELINE_CLIENTS ?? '50',
    ],
  },
];

let failed = 0;
for (const { file, args } of benches) {
  if (!existsSync(join(root, file))) {
    process.stdout.write(`\n== ${file}: not present, skipped\n`);
    continue;
  }
  process.stdout.write(`\n== npx tsx ${file} ${args.join(' ')}\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  if (result.status !== 0) {
    failed += 1;
    process.stdout.write(`== ${file} failed (exit ${result.status ?? result.signal})\n`);
  }
}
process.exit(failed === 0 ? 0 : 1);
