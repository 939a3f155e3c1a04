/**
 * `npm run bench`: every benchmark in sequence, each in its own process (one stack per process),
 * skipping those not present yet. Knobs: ACK_RUNS, COLD_START_RUNS, THROUGHPUT_RATE, THROUGHPUT_SECONDS,
 * THROUGHPUT_ACCOUNTS, THROUGHPUT_POLLERS.
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
    file: 'bench/throughput.ts',
    args: [
      process.env.THROUGHPUT_RATE ?? '60',
      process.env.THROUGHPUT_SECONDS ?? '60',
      process.env.THROUGHPUT_ACCOUNTS ?? '20',
      process.env.THROUGHPUT_POLLERS ?? '10',
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
