/**
 * Stops the emulators, then checks every log line the suite produced: no test token may appear in
 * clear (DESIGN §3 invariant 6). A leak fails the run.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOG_DIR } from './global-setup';
import { TEST_TOKEN_MARKER } from './tokens';

export default async function globalTeardown(): Promise<void> {
  await Promise.all((globalThis.__EMULATORS__ ?? []).map((s) => s.stop()));
  if (!existsSync(LOG_DIR)) return;
  const leaks: string[] = [];
  let lines = 0;
  for (const file of readdirSync(LOG_DIR)) {
    for (const line of readFileSync(join(LOG_DIR, file), 'utf8').split('\n')) {
      if (line.length === 0) continue;
      lines += 1;
      if (line.includes(TEST_TOKEN_MARKER)) leaks.push(`${file}: ${line.slice(0, 300)}`);
    }
  }
  if (leaks.length > 0) {
    throw new Error(
      `A Chat2Desk token appeared in ${leaks.length} log line(s):\n${leaks.slice(0, 5).join('\n')}`,
    );
  }
  process.stdout.write(`\nsecret scan: ${lines} log lines captured, no token in clear\n`);
}
