import { toSendMessageBody } from '../../../shared/adapters/chat2desk/messages-client';
import {
  Chat2DeskPermanentError,
  Chat2DeskRetryableError,
  PermanentError,
  RetryLaterError,
} from '../../../shared/errors';
import { externalIdFor, planTransfer } from '../../../shared/outbound/deliver-reply';
import type { Chat2DeskHttp } from '../../../shared/outbound/ports';
import {
  createMemorySchedule,
  createRateLimiter,
  type RateLimiter,
  type SendSchedule,
  SHORT_SLOT_WAIT_MS,
  shortSlotWaitReceives,
  withSlotWaitFor,
} from '../../../shared/outbound/rate-limiter';
import { createResilientHttp, DEFAULT_RETRY_POLICY } from '../../../shared/outbound/retry-policy';
import { currentSlotWaitMs } from '../../../shared/record-context';

describe('the POST /v1/messages body', () => {
  const address = { clientId: '500482964', operatorId: '1001', c2dChannelId: '7001', transport: 'telegram' };

  test.each([
    [
      'text with both kinds of buttons',
      {
        kind: 'message' as const,
        text: 'Hi',
        replyButtons: [{ text: 'Yes', payload: 'y' }],
        urlButtons: [{ text: 'Site', url: 'https://s.io' }],
      },
      {
        text: 'Hi',
        keyboard: { buttons: [{ type: 'reply', text: 'Yes', payload: 'y' }] },
        inline_buttons: [{ type: 'url', text: 'Site', url: 'https://s.io' }],
      },
    ],
    [
      'an attachment with its file name',
      {
        kind: 'message' as const,
        file: { url: 'https://f.io/a.png', filename: 'a.png', format: 'attachment' as const, image: true },
      },
      { attachment: 'https://f.io/a.png', attachment_filename: 'a.png' },
    ],
    [
      'a PDF',
      {
        kind: 'message' as const,
        file: { url: 'https://f.io/a.pdf', filename: 'a.pdf', format: 'pdf' as const, image: false },
      },
      { pdf: 'https://f.io/a.pdf' },
    ],
  ])('%s', (_name, op, extra) => {
    expect(toSendMessageBody(address, op, 'r1')).toEqual({
      client_id: 500482964,
      type: 'to_client',
      operator_id: 1001,
      channel_id: 7001,
      transport: 'telegram',
      external_id: 'r1',
      ...extra,
    });
  });

  test('omits what the inbound event did not say (Chat2Desk uses the last channel and transport)', () => {
    expect(toSendMessageBody({ clientId: '5' }, { kind: 'message', text: 'x' }, 'r')).toEqual({
      client_id: 5,
      type: 'to_client',
      external_id: 'r',
      text: 'x',
    });
  });

  test('external ids: the reply id, then one per further part', () => {
    expect([0, 1, 2].map((i) => externalIdFor('ev:0', i))).toEqual(['ev:0', 'ev:0#1', 'ev:0#2']);
  });
});

describe('planning a transfer', () => {
  const full = { clientId: '1', dialogId: '9', lastInboundMessageId: '77' };
  test.each([
    [
      'to an operator on the last inbound message',
      { operatorId: '1002' },
      full,
      undefined,
      { call: 'transferToOperator', messageId: '77', operatorId: '1002' },
    ],
    [
      'to a group',
      { groupId: '501' },
      full,
      undefined,
      { call: 'transferToGroup', messageId: '77', groupId: '501' },
    ],
    [
      'nobody named: the fallback group',
      {},
      full,
      '502',
      { call: 'transferToGroup', messageId: '77', groupId: '502' },
    ],
    [
      'nobody named, no fallback: the general queue',
      {},
      full,
      undefined,
      { call: 'assignDialog', dialogId: '9', operatorId: null },
    ],
    [
      'to an operator without a message: assign the dialog',
      { operatorId: '1002' },
      { clientId: '1', dialogId: '9' },
      undefined,
      { call: 'assignDialog', dialogId: '9', operatorId: '1002' },
    ],
    ['nobody named, no dialog yet: nothing to call', {}, { clientId: '1' }, undefined, { call: 'none' }],
  ])('%s', (_name, op, target, fallback, expected) => {
    expect(planTransfer({ kind: 'transfer', ...op }, target, fallback)).toMatchObject(expected);
  });

  test('a group transfer without an inbound message is permanent', () => {
    expect(() => planTransfer({ kind: 'transfer', groupId: '501' }, { clientId: '1' }, undefined)).toThrow(
      PermanentError,
    );
  });
});

describe('the per-account rate limiter', () => {
  /** A fake clock: sleeps advance time, in wake-up order, as timers would. */
  function fakeClock() {
    let t = 0;
    const sleepers: { at: number; wake: () => void }[] = [];
    return {
      now: () => t,
      sleep: (ms: number) =>
        new Promise<void>((wake) => {
          sleepers.push({ at: t + ms, wake });
        }),
      /** Lets every pending promise settle, then wakes the earliest sleepers until none are left. */
      async run() {
        for (;;) {
          for (let i = 0; i < 20; i++) await Promise.resolve();
          sleepers.sort((a, b) => a.at - b.at);
          const next = sleepers.shift();
          if (!next) return;
          t = Math.max(t, next.at);
          next.wake();
        }
      },
    };
  }
  const countingSchedule = () => {
    const inner = createMemorySchedule();
    const claims: number[] = [];
    const schedule: SendSchedule = {
      claim: async (key, request) => {
        claims.push(request.count);
        return inner.claim(key, request);
      },
      pushBack: (key, until) => inner.pushBack(key, until),
    };
    return { schedule, claims };
  };

  test('never lets more than the limit start within one second, with slots taken several at a time', async () => {
    const clock = fakeClock();
    const { schedule, claims } = countingSchedule();
    const limiter = createRateLimiter({ perSecond: 5, slackMs: 0, maxWaitMs: 60_000, schedule, ...clock });
    const starts: number[] = [];
    const sends = Array.from({ length: 23 }, () =>
      limiter.acquire('k').then(() => void starts.push(clock.now())),
    );
    await clock.run();
    await Promise.all(sends);
    expect(starts).toHaveLength(23);
    for (const s of starts)
      expect(starts.filter((x) => x >= s && x < s + 1000).length).toBeLessThanOrEqual(5);
    expect(starts.at(-1)).toBe(22 * 200);
    // The first send claims at once; the ones that came meanwhile share the next claims (≤ 5 each).
    expect(claims).toEqual([1, 5, 5, 5, 5, 2]);
  });

  test('two limiters (two instances) on one schedule share the rate', async () => {
    const clock = fakeClock();
    const schedule = createMemorySchedule();
    const a = createRateLimiter({ perSecond: 5, slackMs: 0, maxWaitMs: 60_000, schedule, ...clock });
    const b = createRateLimiter({ perSecond: 5, slackMs: 0, maxWaitMs: 60_000, schedule, ...clock });
    const starts: number[] = [];
    const sends = Array.from({ length: 20 }, (_, i) =>
      (i % 2 ? a : b).acquire('k').then(() => void starts.push(clock.now())),
    );
    await clock.run();
    await Promise.all(sends);
    starts.sort((x, y) => x - y);
    for (const s of starts)
      expect(starts.filter((x) => x >= s && x < s + 1000).length).toBeLessThanOrEqual(5);
    expect(new Set(starts).size).toBe(20);
  });

  test('keys are independent, and a pause holds every request of its key on every instance', async () => {
    const clock = fakeClock();
    const schedule = createMemorySchedule();
    const a = createRateLimiter({ perSecond: 1, slackMs: 0, maxWaitMs: 60_000, schedule, ...clock });
    const b = createRateLimiter({ perSecond: 1, slackMs: 0, maxWaitMs: 60_000, schedule, ...clock });
    await a.acquire('x');
    await a.acquire('y');
    expect(clock.now()).toBe(0);
    a.pause('y', 3000);
    const other = b.acquire('y').then(() => clock.now());
    await clock.run();
    expect(await other).toBe(3000);
  });

  test('a send that cannot have a slot before its deadline fails to come back later, and takes no slot', async () => {
    const clock = fakeClock();
    const { schedule, claims } = countingSchedule();
    const limiter = createRateLimiter({ perSecond: 1, slackMs: 0, maxWaitMs: 60_000, schedule, ...clock });
    await limiter.acquire('k');
    const late = limiter.acquire('k', { notAfterMs: 500 });
    await clock.run();
    await expect(late).rejects.toMatchObject({ code: 'RATE_LIMIT_NO_SLOT', kind: 'retryable' });
    await expect(late).rejects.toBeInstanceOf(RetryLaterError);
    // The slot at 1000 is still free for a send that can wait.
    const next = limiter.acquire('k', { notAfterMs: 5000 }).then(() => clock.now());
    await clock.run();
    expect(await next).toBe(1000);
    expect(claims).toEqual([1, 1, 1]);
  });

  test('no send waits longer than maxWaitMs in an invocation: it comes back when the account has room', async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({
      perSecond: 2,
      slackMs: 0,
      maxWaitMs: 1000,
      schedule: createMemorySchedule(),
      ...clock,
    });
    const outcomes = Array.from({ length: 6 }, () =>
      limiter.acquire('k').then(
        () => `sent at ${clock.now()}`,
        (err: RetryLaterError) => `back in ${err.comeBackInMs}`,
      ),
    );
    await clock.run();
    // Slots every 500 ms: 0, 500 and 1000 are within 1 s; the others are not taken, and told to
    // come back when the next slot was due (1500 ms after they asked, at least 1 s).
    expect(await Promise.all(outcomes)).toEqual([
      'sent at 0',
      'sent at 500',
      'sent at 1000',
      'back in 1500',
      'back in 1500',
      'back in 1500',
    ]);
  });

  test.each([
    // [maxReceiveCount, the slot wait on receive 1, 2, 3, …, maxReceiveCount]
    [8, ['short', 'short', 'short', 'full', 'full', 'full', 'full', 'full']],
    [5, ['short', 'short', 'full', 'full', 'full']],
    [3, ['short', 'full', 'full']],
    [2, ['full', 'full']],
    [1, ['full']],
  ])(
    'a throttled record waits briefly only on receives that leave full waits before the DLQ (maxReceiveCount %i)',
    async (maxReceiveCount, expected) => {
      const waits: string[] = [];
      for (let receive = 1; receive <= maxReceiveCount; receive += 1) {
        const wait = await withSlotWaitFor(receive, maxReceiveCount, async () => currentSlotWaitMs());
        waits.push(wait === SHORT_SLOT_WAIT_MS ? 'short' : wait === undefined ? 'full' : String(wait));
      }
      expect(waits).toEqual(expected);
      // A record put back on each short wait still has more full waits than short ones.
      expect(maxReceiveCount - shortSlotWaitReceives(maxReceiveCount)).toBeGreaterThan(
        shortSlotWaitReceives(maxReceiveCount),
      );
    },
  );

  test('an account busy with this instance alone: one claim leases the next seconds, the sends use it with no write', async () => {
    const clock = fakeClock();
    const { schedule, claims } = countingSchedule();
    const limiter = createRateLimiter({ perSecond: 5, slackMs: 0, busyLeaseMs: 3000, schedule, ...clock });
    const starts: number[] = [];
    // One send a second for 10 s (a quiet conversation or two): today one claim each.
    const sending = (async () => {
      for (let i = 0; i < 10; i += 1) {
        await limiter.acquire('k');
        starts.push(clock.now());
        await clock.sleep((i + 1) * 1000 - clock.now());
      }
    })();
    await clock.run();
    await sending;
    expect(starts).toEqual([0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000]);
    // Lone claims until the account was ours alone for 3 s, then 3 s (15 slots) at a time.
    expect(claims).toEqual([1, 1, 1, 15, 15, 15]);
  });

  test('a lease never lets another instance crowd the account, and holds it back one lease at most', async () => {
    const clock = fakeClock();
    const inner = createMemorySchedule();
    const granted: number[] = [];
    const schedule: SendSchedule = {
      claim: async (key, request) => {
        const result = await inner.claim(key, request);
        if (result.granted) granted.push(result.count);
        return result;
      },
      pushBack: (key, until) => inner.pushBack(key, until),
    };
    const a = createRateLimiter({ perSecond: 5, slackMs: 0, busyLeaseMs: 3000, schedule, ...clock });
    const b = createRateLimiter({ perSecond: 5, slackMs: 0, busyLeaseMs: 3000, schedule, ...clock });
    const starts: number[] = [];
    const waits: { a: number[]; b: number[] } = { a: [], b: [] };
    const every = (name: 'a' | 'b', limiter: typeof a, from: number, count: number, gapMs: number) =>
      (async () => {
        await clock.sleep(from);
        for (let i = 0; i < count; i += 1) {
          const asked = clock.now();
          await limiter.acquire('k');
          starts.push(clock.now());
          waits[name].push(clock.now() - asked);
          await clock.sleep(Math.max(0, from + (i + 1) * gapMs - clock.now()));
        }
      })();
    const sending = Promise.all([every('a', a, 0, 12, 1000), every('b', b, 3500, 12, 700)]);
    await clock.run();
    await sending;
    starts.sort((x, y) => x - y);
    for (const t of starts)
      expect(starts.filter((x) => x >= t && x < t + 1000).length).toBeLessThanOrEqual(5);
    // a leased 3000–5800 (15 slots) after 3 s alone; b's first send waited for that lease's end.
    expect(granted.slice(0, 4)).toEqual([1, 1, 1, 15]);
    expect(waits.b[0]).toBe(2500);
    // Nobody waits longer than one lease; once both send, the schedule moves under both: no lease.
    expect(Math.max(...waits.a, ...waits.b)).toBeLessThanOrEqual(3000);
    expect(granted.slice(4).every((n) => n === 1)).toBe(true);
  });

  test('a schedule that cannot be reached fails the send as retryable, never sends unmetered', async () => {
    const schedule: SendSchedule = {
      claim: async () => {
        throw new Error('network down');
      },
      pushBack: async () => undefined,
    };
    const limiter = createRateLimiter({ perSecond: 5, schedule });
    await expect(limiter.acquire('k')).rejects.toMatchObject({
      code: 'RATE_LIMIT_UNAVAILABLE',
      kind: 'retryable',
    });
  });
});

describe('retries of one Chat2Desk request', () => {
  const noLimit: RateLimiter = { acquire: async () => undefined, pause: () => undefined };
  function scripted(outcomes: Array<Error | 'ok'>) {
    const calls: number[] = [];
    const http: Chat2DeskHttp = async () => {
      calls.push(calls.length);
      const next = outcomes.shift() ?? 'ok';
      if (next === 'ok') return { httpStatus: 200, data: { message_id: 1 }, meta: undefined };
      throw next;
    };
    return { http, calls };
  }
  const delays: number[] = [];
  const hooks = { sleep: async (ms: number) => void delays.push(ms), random: () => 0.5 };
  beforeEach(() => {
    delays.length = 0;
  });

  test('a 429 waits for Retry-After (plus jitter) and tries again', async () => {
    const { http, calls } = scripted([new Chat2DeskRetryableError('throttled', '429', 429, 1000), 'ok']);
    const resilient = createResilientHttp({ http, limiter: noLimit, limiterKey: 'k', hooks });
    await expect(resilient({ method: 'POST', path: '/v1/messages' })).resolves.toMatchObject({
      httpStatus: 200,
    });
    expect(calls).toHaveLength(2);
    expect(delays[0]).toBeGreaterThanOrEqual(1000);
  });

  test('5xx and network errors are retried a bounded number of times, then thrown as retryable', async () => {
    const err = () => new Chat2DeskRetryableError('serverError', '503', 503);
    const { http, calls } = scripted([err(), err(), err(), err()]);
    const resilient = createResilientHttp({ http, limiter: noLimit, limiterKey: 'k', hooks });
    await expect(resilient({ method: 'POST', path: '/v1/messages' })).rejects.toBeInstanceOf(
      Chat2DeskRetryableError,
    );
    expect(calls).toHaveLength(DEFAULT_RETRY_POLICY.maxAttempts);
  });

  test('other 4xx are permanent at once', async () => {
    const { http, calls } = scripted([new Chat2DeskPermanentError('rejected', '400', 400)]);
    const resilient = createResilientHttp({ http, limiter: noLimit, limiterKey: 'k', hooks });
    await expect(resilient({ method: 'POST', path: '/v1/messages' })).rejects.toBeInstanceOf(PermanentError);
    expect(calls).toHaveLength(1);
  });

  test('a Retry-After too long for one invocation is left to SQS', async () => {
    const { http, calls } = scripted([new Chat2DeskRetryableError('throttled', '429', 429, 120_000)]);
    const resilient = createResilientHttp({ http, limiter: noLimit, limiterKey: 'k', hooks });
    await expect(resilient({ method: 'GET', path: '/x' })).rejects.toBeInstanceOf(Chat2DeskRetryableError);
    expect(calls).toHaveLength(1);
  });
});

test('the total wait for one request is bounded; then SQS redelivers', async () => {
  const throttled = () => new Chat2DeskRetryableError('throttled', '429', 429, 15_000);
  let calls = 0;
  const http: Chat2DeskHttp = async () => {
    calls += 1;
    throw throttled();
  };
  const waits: number[] = [];
  const resilient = createResilientHttp({
    http,
    limiter: { acquire: async () => undefined, pause: () => undefined },
    limiterKey: 'k',
    hooks: { sleep: async (ms) => void waits.push(ms), random: () => 0 },
  });
  await expect(resilient({ method: 'POST', path: '/v1/messages' })).rejects.toBeInstanceOf(
    Chat2DeskRetryableError,
  );
  expect(waits.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(DEFAULT_RETRY_POLICY.maxTotalWaitMs);
  expect(calls).toBe(2); // one 15-s wait fits the 20-s budget, a second would not
});
