/**
 * `npm test`: every test file, in two jest runs. First all files but those jest.config.js lists as
 * ALONE (drills that read arrival times within a second), two at a time; then those, with nothing
 * beside them. Both runs happen even when the first fails, and the exit code is the first failure's.
 * With arguments (`npm test -- test/unit`, `-t name`), one plain jest run with them.
 */
import { spawnSync } from 'node:child_process';

const JEST = require.resolve('jest/bin/jest');

function jest(args: string[], suites?: 'rest' | 'alone'): number {
  const env = { ...process.env, ...(suites ? { JEST_SUITES: suites } : {}) };
  const run = spawnSync(process.execPath, [JEST, ...args], { stdio: 'inherit', env });
  return run.status ?? 1;
}

const args = process.argv.slice(2);
if (args.length > 0) process.exit(jest(args));
const rest = jest([], 'rest');
const alone = jest([], 'alone');
process.exit(rest || alone);
