/**
 * At most `limit` tasks of one key at once; the others of that key wait their turn in arrival
 * order, while other keys go on. The queue consumers use it to bound how many of one channel's
 * conversations a batch runs at once, so one tenant's burst cannot take the capacity that the other
 * tenants of the same invocation need (DESIGN §3 inv. 12).
 */
export interface KeyedConcurrency {
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
}

export function createKeyedConcurrency(limit: number): KeyedConcurrency {
  const max = Math.max(1, Math.floor(limit));
  const states = new Map<string, { running: number; waiting: Array<() => void> }>();
  return {
    async run(key, task) {
      let state = states.get(key);
      if (!state) {
        state = { running: 0, waiting: [] };
        states.set(key, state);
      }
      const own = state;
      if (own.running >= max) await new Promise<void>((resolve) => own.waiting.push(resolve));
      else own.running += 1;
      try {
        return await task();
      } finally {
        // The turn passes to the next waiter of this key (running stays the same), else it ends.
        const next = own.waiting.shift();
        if (next) next();
        else {
          own.running -= 1;
          if (own.running === 0) states.delete(key);
        }
      }
    },
  };
}
