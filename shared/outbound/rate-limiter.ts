/**
 * Client-side rate limit per Chat2Desk token: at most `perSecond` requests in any window of one
 * second (a sliding-window log, so even a burst after a quiet second stays under the limit).
 *
 * Per process: in AWS every concurrent instance of the reply function has its own limiter, so the
 * account-wide rate is at most `perSecond × reserved concurrency` — the reply function's
 * concurrency is capped for that reason (see docs/OUTBOUND.md). Keys are token hashes, never tokens.
 */
import { createHash } from 'node:crypto';

export interface RateLimiter {
  /** Resolves when one more request for `key` may go out now (and counts it). */
  acquire(key: string): Promise<void>;
  /** Chat2Desk said "slow down": no request for `key` starts before `ms` from now. */
  pause(key: string, ms: number): void;
}

export interface RateLimiterOptions {
  perSecond: number;
  /** Added to the one-second window to absorb network jitter between us and the server's clock. */
  slackMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface KeyState {
  /** Start times of the requests of the current window, oldest first. */
  starts: number[];
  pausedUntil: number;
  /** Waiters are served one at a time, in arrival order. */
  queue: Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The limiter key of a token: a short hash (the token itself is never kept or logged). */
export function rateLimitKey(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 16);
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const windowMs = 1000 + (options.slackMs ?? 25);
  const perSecond = Math.max(1, Math.floor(options.perSecond));
  const states = new Map<string, KeyState>();

  const stateOf = (key: string): KeyState => {
    let state = states.get(key);
    if (!state) {
      state = { starts: [], pausedUntil: 0, queue: Promise.resolve() };
      states.set(key, state);
    }
    return state;
  };

  const waitForSlot = async (state: KeyState): Promise<void> => {
    for (;;) {
      const t = now();
      while (state.starts.length > 0 && state.starts[0]! <= t - windowMs) state.starts.shift();
      const pauseLeft = state.pausedUntil - t;
      if (pauseLeft > 0) {
        await sleep(pauseLeft);
        continue;
      }
      if (state.starts.length < perSecond) {
        state.starts.push(t);
        return;
      }
      await sleep(Math.max(1, state.starts[0]! + windowMs - t));
    }
  };

  return {
    acquire(key) {
      const state = stateOf(key);
      const turn = state.queue.then(() => waitForSlot(state));
      state.queue = turn.catch(() => undefined);
      return turn;
    },
    pause(key, ms) {
      const state = stateOf(key);
      state.pausedUntil = Math.max(state.pausedUntil, now() + Math.max(0, ms));
    },
  };
}
