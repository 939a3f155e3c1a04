/**
 * What the queue consumers know about the record being handled, carried to every retry and send
 * without threading it through each call (one AsyncLocalStorage; nothing is set outside a record,
 * e.g. in tests):
 * - the deadline: `runFifoBatch` runs each record inside `withDeadline`, and `shared/retry.ts`
 *   starts no retry that could not end before it;
 * - the slot wait: the reply function lets a throttled record wait only briefly for its account's
 *   send slot on its first receives (`withSlotWaitFor` in shared/outbound/rate-limiter.ts).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

interface RecordContext {
  /** Epoch ms the record must be done by. */
  deadlineMs?: number;
  /** Longest wait for a send slot, when shorter than the limiter's own maximum. */
  slotWaitMs?: number;
  /** Send slots the record reserved on an earlier receive (rate-limiter.ts, `SlotReservation`). */
  reservedSlots?: { key: string; slots: number[] };
}

const storage = new AsyncLocalStorage<RecordContext>();

function withRecordContext<T>(changes: RecordContext, run: () => Promise<T>): Promise<T> {
  return storage.run({ ...storage.getStore(), ...changes }, run);
}

export function withDeadline<T>(deadlineMs: number, run: () => Promise<T>): Promise<T> {
  return withRecordContext({ deadlineMs }, run);
}

export function withSlotWait<T>(slotWaitMs: number, run: () => Promise<T>): Promise<T> {
  return withRecordContext({ slotWaitMs }, run);
}

/** Runs `run` with the send slots the record reserved earlier (used before any new claim). */
export function withReservedSlots<T>(
  reserved: { key: string; slots: number[] } | undefined,
  run: () => Promise<T>,
): Promise<T> {
  return reserved
    ? withRecordContext({ reservedSlots: { key: reserved.key, slots: [...reserved.slots] } }, run)
    : run();
}

/** The current record's reserved slots still unused (the limiter takes them one by one). */
export function currentReservedSlots(): { key: string; slots: number[] } | undefined {
  return storage.getStore()?.reservedSlots;
}

/** Epoch ms the current record must be done by, if a consumer set one. */
export function currentDeadline(): number | undefined {
  return storage.getStore()?.deadlineMs;
}

/** The current record's slot wait, if shorter than the limiter's maximum. */
export function currentSlotWaitMs(): number | undefined {
  return storage.getStore()?.slotWaitMs;
}
