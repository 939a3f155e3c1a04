/**
 * At most `limit` things at once per key, without waiting: `tryAcquire` gives a release function,
 * or undefined when the key is at its limit (the caller decides what to do instead of queueing).
 * In-memory, for one process: the worker bounds how many conversations of one channel it runs at
 * once (DESIGN §3 inv. 12, one tenant cannot hold everyone's capacity).
 */
export interface PerKeyLimit {
  readonly limit: number;
  tryAcquire(key: string): (() => void) | undefined;
  running(key: string): number;
}

export function createPerKeyLimit(limit: number): PerKeyLimit {
  if (!Number.isInteger(limit) || limit < 1)
    throw new Error(`per-key limit must be a positive integer: ${limit}`);
  const counts = new Map<string, number>();
  return {
    limit,
    tryAcquire(key) {
      const running = counts.get(key) ?? 0;
      if (running >= limit) return undefined;
      counts.set(key, running + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (counts.get(key) ?? 1) - 1;
        if (left <= 0) counts.delete(key);
        else counts.set(key, left);
      };
    },
    running: (key) => counts.get(key) ?? 0,
  };
}
