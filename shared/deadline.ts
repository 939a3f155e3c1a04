/**
 * The invocation's deadline, carried to every retry without threading it through each call: the
 * queue consumers run each record inside `withDeadline`, and `shared/retry.ts` starts no retry that
 * could not end before it (AsyncLocalStorage; nothing is set outside a record, e.g. in tests).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const storage = new AsyncLocalStorage<number>();

export function withDeadline<T>(deadlineMs: number, run: () => Promise<T>): Promise<T> {
  return storage.run(deadlineMs, run);
}

/** Epoch ms the current record must be done by, if a consumer set one. */
export function currentDeadline(): number | undefined {
  return storage.getStore();
}
