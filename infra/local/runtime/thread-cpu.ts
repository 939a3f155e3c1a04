/**
 * CPU time of single threads of this process (Linux, /proc/self/task): the benchmarks split the
 * process's CPU between the functions' worker threads, the emulator thread and the main thread.
 * Elsewhere (no /proc) every figure is undefined.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TASKS = '/proc/self/task';

function threadIds(): Set<string> | undefined {
  try {
    return new Set(readdirSync(TASKS));
  } catch {
    return undefined;
  }
}

/**
 * Runs `start` (which creates one thread synchronously, as `new Worker()` does) and returns it
 * with the id of the OS thread that appeared meanwhile (undefined if not exactly one did).
 */
export function withThreadId<T>(start: () => T): { value: T; tid: string | undefined } {
  const before = threadIds();
  const value = start();
  const after = threadIds();
  if (!before || !after) return { value, tid: undefined };
  const added = [...after].filter((t) => !before.has(t));
  return { value, tid: added.length === 1 ? added[0] : undefined };
}

/** user + system CPU of one thread in ms (clock ticks of 10 ms); undefined once it has ended. */
export function threadCpuMs(tid: string | number | undefined): number | undefined {
  if (tid === undefined) return undefined;
  try {
    const stat = readFileSync(`${TASKS}/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}
