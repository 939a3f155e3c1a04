/**
 * The per-account send rate, shared by every instance of the reply function.
 *
 * Each Chat2Desk account (keyed by its token's keyed hash, never the token) has one virtual
 * schedule: slots `intervalMs` apart, `intervalMs = (1000 + slackMs) / perSecond`. The schedule
 * lives in a `SendSchedule` (DynamoDB in AWS, `shared/adapters/dynamodb/send-schedule.ts`), which
 * only ever hands out slots after the last one it gave anybody, so no two instances get the same
 * slot and the account sees at most `perSecond` requests in any second, over all instances.
 *
 * One claim takes several slots at once: as many as this process has sends waiting for that
 * account (capped at `maxSlotsPerClaim`). Sends that arrive while a claim is on its way share the
 * next one; while the account is booked ahead (its sends wait anyway) a claim waits a moment
 * (≤ 250 ms, at most half the wait ahead) for more of them. So the schedule costs one write per
 * several sends where it matters, under load; a lone send on an idle account claims at once.
 * The slots are handed out here in arrival order; a send waits for its slot, and only its own
 * account's sends wait behind it.
 *
 * - A send waits for its slot at most `maxWaitMs`, and never past its `notAfterMs` (the record's
 *   deadline less one attempt); one that cannot have a slot by then fails at once with a
 *   `RetryLaterError`: the record goes back to the queue and comes back when that slot was due
 *   (shared/adapters/sqs/fifo-batch.ts), not after the whole visibility timeout; nothing is lost.
 * - A slot found already past by more than `slackMs / 2` (a late timer) is not used late, where it
 *   would crowd the next ones: the send takes another slot.
 * - `pause` (Chat2Desk answered 429): no slot of that account before the given time, here at once
 *   and in the shared schedule, so the other instances slow down too.
 *
 * Claimed slots are a span of the schedule that is this instance's alone: `first … first +
 * (count−1)·interval`. Its sends start anywhere in it, one interval apart at least, the last no
 * later than the span's last slot (plus the late tolerance), so they never crowd the sends of the
 * spans before and after it, whoever holds those; a span of one slot is exactly that slot.
 * - **A lease while the account is busy with us** (`busyLeaseMs`, off by default; the reply
 *   function sets `CHAT2DESK_RATE_LEASE_MS`): when this instance sent for the account within the
 *   last `busyLeaseMs`, and its claims of at least the last `busyLeaseMs` each found the schedule
 *   where its claim before had left it (no other instance claimed meanwhile), a claim takes
 *   `busyLeaseMs` of the schedule, not just the slots of the sends waiting: the sends of the next
 *   seconds use it with no write. The lease is conditional on the schedule still being where we
 *   left it (else the claim takes the waiting sends' slots, as any). Another instance that wants
 *   the account meanwhile waits at most one lease (its claim queues after it), and from then on
 *   neither leases until one has had the account alone for a lease's time again.
 */

import { RetryableError, RetryLaterError } from '../errors';
import { logger } from '../observability';
import { currentReservedSlots, withSlotWait } from '../record-context';

export interface RateLimiter {
  /**
   * Resolves when one more request for `key` may go out now (and uses up that slot). A slot the
   * current record reserved earlier (`withReservedSlots`) is used first.
   */
  acquire(key: string, options?: { notAfterMs?: number }): Promise<void>;
  /** Chat2Desk said "slow down": no request for `key` starts before `ms` from now, on any instance. */
  pause(key: string, ms: number): void;
  /**
   * Takes `count` slots of `key` however far ahead the schedule is booked, for a record to use when
   * it comes back (it is put back until then): a backlog costs a record two receives, not one per wait.
   */
  reserve?(key: string, count: number): Promise<SlotReservation>;
}

/** Slots held for one record: `firstMs + i·intervalMs` for `i < count`, of the account `key`. */
export interface SlotReservation {
  key: string;
  firstMs: number;
  count: number;
  intervalMs: number;
}

/** Where a record's reservation is kept between its receives (any instance may receive it). */
export interface SlotReservations {
  save(recordId: string, reservation: SlotReservation): Promise<void>;
  find(recordId: string): Promise<SlotReservation | undefined>;
}

export function reservedSlotTimes(r: SlotReservation): number[] {
  return Array.from({ length: r.count }, (_, i) => r.firstMs + i * r.intervalMs);
}

export type ClaimResult =
  /**
   * Slots `firstMs + i·intervalMs` for `i < count` are this caller's. `storedBeforeMs`: the
   * schedule's first free slot before this claim (absent: unknown, or no schedule yet).
   */
  | { granted: true; firstMs: number; count: number; storedBeforeMs?: number }
  /** Nothing claimed: the first free slot is later than the caller can wait. */
  | { granted: false; nextFreeMs: number };

export interface ClaimRequest {
  count: number;
  intervalMs: number;
  /** No slot before this (now, or later while the account is paused). */
  notBeforeMs: number;
  /** Claim nothing if the first free slot is later than this. */
  latestFirstMs: number;
  /**
   * A lease: `count` slots only while the schedule is still where this caller's last claim left it
   * (`atMs`: nobody else claimed since), from `max(notBeforeMs, atMs)`; otherwise `fallbackCount`
   * slots as any claim.
   */
  lease?: { atMs: number; fallbackCount: number };
}

/** The port: where an account's schedule is kept, shared by every instance. */
export interface SendSchedule {
  claim(key: string, request: ClaimRequest): Promise<ClaimResult>;
  /** No slot of `key` starts before `untilMs`. */
  pushBack(key: string, untilMs: number): Promise<void>;
}

export interface RateLimiterOptions {
  perSecond: number;
  schedule: SendSchedule;
  /** Added to each second of the schedule for network jitter, timer lateness and clock skew (default 100). */
  slackMs?: number;
  /** Most slots taken in one claim (default `perSecond`: at most about one second ahead). */
  maxSlotsPerClaim?: number;
  /** Longest wait for a slot in one invocation (default 20 s); beyond, the record comes back later. */
  maxWaitMs?: number;
  /** The schedule a claim takes while the account is busy with this instance alone (default 0: none). */
  busyLeaseMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface Waiter {
  notAfterMs: number;
  resolve(): void;
  reject(err: unknown): void;
}

/** Claimed slots of one claim, not yet used: sends start at `next` or later, up to `last`. */
interface Span {
  next: number;
  last: number;
}

interface KeyState {
  key: string;
  /** Claimed, not yet used up; ascending. */
  spans: Span[];
  /** In arrival order. */
  waiters: Waiter[];
  claiming: boolean;
  pausedUntil: number;
  /** The schedule is known to be booked until then (the end of our last claim, or a refusal). */
  bookedUntil: number;
  /** A claim is held back to gather the sends coming meanwhile. */
  gathering: boolean;
  gathered: boolean;
  /** When this instance last sent for the account. */
  lastSendMs?: number;
  /** Where this instance's last claim left the schedule (its end). */
  lastClaimEndMs?: number;
  /** The last claim found the schedule where our claim before had left it: nobody else claims. */
  sole: boolean;
  /** When our unbroken run of such claims began (nobody else claimed since). */
  soleSinceMs?: number;
  lastClaimAtMs?: number;
}

export const DEFAULT_RATE_SLACK_MS = 100;
export const DEFAULT_RATE_MAX_WAIT_MS = 20_000;

/**
 * How long a send may wait for its slot inside the invocation, per record: a record received for
 * the first few times waits at most `SHORT_SLOT_WAIT_MS` and is otherwise put back until its slot
 * is due, so a throttled account's backlog does not hold reply instances (and the other accounts'
 * conversations behind them); a record received more often waits up to the full
 * `CHAT2DESK_RATE_LIMIT_MAX_WAIT_MS`, so a long backlog never walks a record into the DLQ.
 */
export const SHORT_SLOT_WAIT_MS = 2_000;
export const SHORT_SLOT_WAIT_RECEIVES = 3;

/**
 * The receives with the short wait on a queue that moves a record to its DLQ after
 * `maxReceiveCount` receives: at most `SHORT_SLOT_WAIT_RECEIVES`, and never more than the receives
 * left with the full wait, so a throttled record always has several full waits before the DLQ
 * (8 → 3 short, 5 full; 3 → 1 short, 2 full; 2 or 1 → none).
 */
export function shortSlotWaitReceives(maxReceiveCount: number): number {
  return Math.max(0, Math.min(SHORT_SLOT_WAIT_RECEIVES, Math.floor((maxReceiveCount - 1) / 2)));
}

/** Runs `run` with the slot wait of a record received `receiveCount` times of `maxReceiveCount`. */
export function withSlotWaitFor<T>(
  receiveCount: number,
  maxReceiveCount: number,
  run: () => Promise<T>,
): Promise<T> {
  return receiveCount <= shortSlotWaitReceives(maxReceiveCount)
    ? withSlotWait(SHORT_SLOT_WAIT_MS, run)
    : run();
}

/** The furthest ahead a slot is reserved: SQS's longest visibility timeout. */
export const MAX_RESERVE_AHEAD_MS = 12 * 3600 * 1000;

/** A claim may wait for more sends when the account is booked at least this far ahead… */
const GATHER_WHEN_BOOKED_MS = 200;
/** …and for at most this long. */
const MAX_GATHER_MS = 250;
const MAX_KEYS = 5000;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The interval between two slots of one account. */
export function slotIntervalMs(perSecond: number, slackMs = DEFAULT_RATE_SLACK_MS): number {
  return (1000 + slackMs) / Math.max(1, perSecond);
}

/** No slot in time: the record comes back when the account's first free slot was due (≥ 1 s). */
export class NoSendSlotError extends RetryLaterError {
  /** The account whose schedule is booked (its keyed hash), when the limiter knows it. */
  limiterKey?: string;
  constructor(nextFreeInMs: number, limiterKey?: string) {
    const wait = Math.max(0, Math.round(nextFreeInMs));
    super(
      'RATE_LIMIT_NO_SLOT',
      `this Chat2Desk account's send rate is booked for ${wait} ms: the record comes back later`,
      Math.max(1000, wait),
      { details: { nextFreeInMs: wait } },
    );
    if (limiterKey !== undefined) this.limiterKey = limiterKey;
  }
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const perSecond = Math.max(1, Math.floor(options.perSecond));
  const slackMs = options.slackMs ?? DEFAULT_RATE_SLACK_MS;
  const intervalMs = slotIntervalMs(perSecond, slackMs);
  const lateToleranceMs = slackMs / 2;
  const maxSlots = Math.max(1, Math.floor(options.maxSlotsPerClaim ?? perSecond));
  const maxWaitMs = options.maxWaitMs ?? DEFAULT_RATE_MAX_WAIT_MS;
  const leaseSlots = Math.floor((options.busyLeaseMs ?? 0) / intervalMs);
  const states = new Map<string, KeyState>();
  /** How long a claim takes (moving average): an idle account's slots start when the claim returns. */
  let claimLatencyMs = 0;

  const stateOf = (key: string): KeyState => {
    let state = states.get(key);
    if (!state) {
      // Forget idle accounts first when many were seen (a long-lived instance).
      if (states.size >= MAX_KEYS) {
        for (const [k, s] of states) {
          if (s.waiters.length === 0 && !s.claiming && states.size >= MAX_KEYS) states.delete(k);
        }
      }
      state = {
        key,
        spans: [],
        waiters: [],
        claiming: false,
        pausedUntil: 0,
        bookedUntil: 0,
        gathering: false,
        gathered: false,
        sole: false,
      };
      states.set(key, state);
    }
    return state;
  };

  const serve = async (state: KeyState, waiter: Waiter, slot: number): Promise<void> => {
    const wait = slot - now();
    if (wait > 0) await sleep(wait);
    const late = now() - slot > lateToleranceMs;
    if (late || slot < state.pausedUntil) {
      // Used now it would crowd the slots after it (late), or Chat2Desk asked for a pause meanwhile.
      state.waiters.unshift(waiter);
      pump(state);
      return;
    }
    state.lastSendMs = now();
    waiter.resolve();
  };

  const claim = async (state: KeyState): Promise<void> => {
    const t = now();
    // Busy with us alone: we sent within a lease's time, and nobody else claimed for at least as long.
    const leaseMs = options.busyLeaseMs ?? 0;
    const busyWithUs =
      leaseSlots > 0 &&
      state.sole &&
      state.soleSinceMs !== undefined &&
      t - state.soleSinceMs >= leaseMs &&
      state.lastSendMs !== undefined &&
      t - state.lastSendMs <= leaseMs;
    const waiting = Math.min(maxSlots, state.waiters.length);
    const latestFirstMs = state.waiters[0]!.notAfterMs;
    const lease =
      busyWithUs && leaseSlots > waiting && state.lastClaimEndMs !== undefined
        ? { atMs: state.lastClaimEndMs, fallbackCount: waiting }
        : undefined;
    const result = await options.schedule.claim(state.key, {
      count: lease ? leaseSlots : waiting,
      intervalMs,
      notBeforeMs: Math.max(t + Math.round(claimLatencyMs), state.pausedUntil),
      latestFirstMs,
      ...(lease ? { lease } : {}),
    });
    claimLatencyMs = Math.min(1000, 0.7 * claimLatencyMs + 0.3 * (now() - t));
    if (result.granted) {
      const end = result.firstMs + result.count * intervalMs;
      state.sole = state.lastClaimEndMs !== undefined && result.storedBeforeMs === state.lastClaimEndMs;
      if (!state.sole) state.soleSinceMs = undefined;
      else state.soleSinceMs ??= state.lastClaimAtMs;
      state.lastClaimAtMs = t;
      state.lastClaimEndMs = end;
      state.bookedUntil = Math.max(state.bookedUntil, end);
      state.spans.push({ next: result.firstMs, last: result.firstMs + (result.count - 1) * intervalMs });
      state.spans.sort((a, b) => a.next - b.next);
      return;
    }
    state.bookedUntil = Math.max(state.bookedUntil, result.nextFreeMs);
    // Who cannot wait until the first free slot fails now; the others claim again.
    const keep: Waiter[] = [];
    for (const w of state.waiters) {
      if (w.notAfterMs < result.nextFreeMs) w.reject(new NoSendSlotError(result.nextFreeMs - t, state.key));
      else keep.push(w);
    }
    state.waiters = keep;
  };

  function pump(state: KeyState): void {
    while (state.waiters.length > 0) {
      const t = now();
      // When a span's next send may start: not before its next slot, a pause's end, or now.
      const startOf = (span: Span) => Math.max(span.next, state.pausedUntil, t);
      state.spans = state.spans.filter((span) => startOf(span) <= span.last + lateToleranceMs);
      const span = state.spans[0];
      if (span !== undefined) {
        const waiter = state.waiters.shift()!;
        const slot = startOf(span);
        if (slot > waiter.notAfterMs) {
          waiter.reject(new NoSendSlotError(slot - t, state.key));
          continue;
        }
        // The next send of this span starts one interval after this one at the earliest.
        span.next = slot + intervalMs;
        void serve(state, waiter, slot);
        continue;
      }
      if (state.claiming || state.gathering) return;
      // Booked ahead (known from our last claim or refusal): the sends wait anyway, so the claim
      // waits a little for more of them. Never when the schedule may be free: that would be delay.
      const bookedFor = state.bookedUntil - t;
      if (!state.gathered && bookedFor > GATHER_WHEN_BOOKED_MS && state.waiters.length < maxSlots) {
        state.gathering = true;
        void sleep(Math.min(MAX_GATHER_MS, bookedFor / 2)).then(() => {
          state.gathering = false;
          state.gathered = true;
          pump(state);
        });
        return;
      }
      state.gathered = false;
      state.claiming = true;
      claim(state)
        .catch((err: unknown) => {
          // The schedule cannot be reached: nothing is sent unmetered; the records are retried.
          const failure = new RetryableError(
            'RATE_LIMIT_UNAVAILABLE',
            'the shared send schedule could not be reached',
            { cause: err },
          );
          for (const w of state.waiters.splice(0)) w.reject(failure);
        })
        .finally(() => {
          state.claiming = false;
          pump(state);
        });
      return;
    }
  }

  /** A slot this record reserved earlier, if one is still usable: not late, not paused over. */
  const reservedSlot = (key: string, state: KeyState): number | undefined => {
    const reserved = currentReservedSlots();
    if (reserved?.key !== key) return undefined;
    const t = now();
    while (reserved.slots.length > 0) {
      const slot = reserved.slots.shift()!;
      if (slot >= t - lateToleranceMs && slot >= state.pausedUntil) return slot;
    }
    return undefined;
  };

  return {
    async reserve(key, count) {
      const n = Math.max(1, Math.min(maxSlots * 4, Math.floor(count)));
      const state = stateOf(key);
      const result = await options.schedule.claim(key, {
        count: n,
        intervalMs,
        notBeforeMs: Math.max(now(), state.pausedUntil),
        // However far ahead; SQS can hold the record back for at most 12 h.
        latestFirstMs: now() + MAX_RESERVE_AHEAD_MS,
      });
      if (!result.granted) throw new NoSendSlotError(result.nextFreeMs - now(), key);
      // A backlog: the schedule is not ours alone.
      state.sole = false;
      state.soleSinceMs = undefined;
      state.lastClaimEndMs = undefined;
      state.bookedUntil = Math.max(state.bookedUntil, result.firstMs + result.count * intervalMs);
      return { key, firstMs: result.firstMs, count: result.count, intervalMs };
    },
    async acquire(key, acquireOptions) {
      const state = stateOf(key);
      // A slot reserved on an earlier receive first; one missed (a late timer, a pause) is skipped.
      for (let slot = reservedSlot(key, state); slot !== undefined; slot = reservedSlot(key, state)) {
        const wait = slot - now();
        if (wait > 0) await sleep(wait);
        if (now() - slot <= lateToleranceMs && slot >= state.pausedUntil) return;
      }
      const notAfterMs = Math.min(acquireOptions?.notAfterMs ?? Number.POSITIVE_INFINITY, now() + maxWaitMs);
      return new Promise<void>((resolve, reject) => {
        state.waiters.push({ notAfterMs, resolve, reject });
        pump(state);
      });
    },
    pause(key, ms) {
      const state = stateOf(key);
      const until = now() + Math.max(0, ms);
      if (until <= state.pausedUntil) return;
      state.pausedUntil = until;
      options.schedule.pushBack(key, until).catch((err: unknown) => {
        // This process still pauses; the other instances learn it from their own 429s.
        logger.warn('the send schedule could not be pushed back', {
          error: err instanceof Error ? err.name : 'unknown',
        });
      });
    },
  };
}

/** A schedule kept in this process only: for tests, and where no table is at hand. */
export function createMemorySchedule(): SendSchedule {
  const next = new Map<string, number>();
  return {
    async claim(key, request) {
      const free = next.get(key) ?? 0;
      const stored = next.get(key);
      const r =
        request.lease && stored !== request.lease.atMs
          ? { ...request, count: request.lease.fallbackCount }
          : request;
      const first = Math.max(free, r.notBeforeMs);
      if (first > r.latestFirstMs) return { granted: false, nextFreeMs: first };
      next.set(key, first + r.count * r.intervalMs);
      return {
        granted: true,
        firstMs: first,
        count: r.count,
        ...(stored === undefined ? {} : { storedBeforeMs: stored }),
      };
    },
    async pushBack(key, untilMs) {
      next.set(key, Math.max(next.get(key) ?? 0, untilMs));
    },
  };
}
