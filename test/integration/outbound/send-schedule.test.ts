/**
 * The shared send schedule against DynamoDB Local: claims of several slots in one conditional
 * write, concurrent claimers (separate instances, each with its own memory) never given the same
 * slot, no slot beyond what a caller can wait for, a 429 push-back seen by everyone — and, end to
 * end, limiters of several instances on one account never exceeding its rate in any second.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { tokenLockHash } from '../../../shared/adapters/dynamodb/channel-store';
import { createDynamoSendSchedule } from '../../../shared/adapters/dynamodb/send-schedule';
import { keys } from '../../../shared/adapters/dynamodb/table-definition';
import {
  type ClaimRequest,
  type ClaimResult,
  createRateLimiter,
  slotIntervalMs,
} from '../../../shared/outbound/rate-limiter';
import {
  countingDocumentClient,
  createTestTable,
  type TestTable,
  testDocumentClient,
} from '../../support/aws';
import { makeTestToken } from '../../support/tokens';

/** A document client that counts the requests it sends. */
function countingClient() {
  const counter = { requests: 0 };
  const client = countingDocumentClient(testDocumentClient(), () => {
    counter.requests += 1;
  });
  return { client, counter };
}

/** Start times of every window of `limit + 1` consecutive sends: each must span at least 1 s. */
function tightestWindow(times: number[], limit: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let tightest = Number.POSITIVE_INFINITY;
  for (let i = 0; i + limit < sorted.length; i += 1) {
    tightest = Math.min(tightest, sorted[i + limit]! - sorted[i]!);
  }
  return tightest;
}

describe('the shared send schedule (DynamoDB)', () => {
  let table: TestTable;
  beforeAll(async () => {
    table = await createTestTable();
  });
  afterAll(() => table.drop());

  /** A schedule as one instance has it: its own client (by default) and memory. */
  const newSchedule = (client = testDocumentClient()) =>
    createDynamoSendSchedule({ client, tableName: table.name });

  /** `claims` claims of `key` at once, spread over 8 instances; claim `i` asks `request(i)`. */
  const claimConcurrently = (key: string, claims: number, request: (i: number) => ClaimRequest) => {
    const instances = Array.from({ length: 8 }, () => newSchedule());
    return Promise.all(
      Array.from({ length: claims }, (_, i) => instances[i % instances.length]!.claim(key, request(i))),
    );
  };

  const granted = (r: ClaimResult) => {
    if (!r.granted) throw new Error(`not granted: next free ${r.nextFreeMs}`);
    return r;
  };

  test('is keyed by the keyed hash of the token, never the token', async () => {
    const token = makeTestToken('schedule');
    const key = tokenLockHash('hash-key-0123456789', token);
    const schedule = newSchedule();
    granted(await schedule.claim(key, { count: 2, intervalMs: 100, notBeforeMs: 1000, latestFirstMs: 5000 }));
    const item = await testDocumentClient().send(
      new GetCommand({ TableName: table.name, Key: { pk: keys.sendSchedule(key) }, ConsistentRead: true }),
    );
    expect(item.Item).toMatchObject({ pk: `rate#${key}`, nextFreeMs: 1200 });
    expect(typeof item.Item?.ttl).toBe('number');
    expect(JSON.stringify(item.Item)).not.toContain(token);
  });

  test('idle: the slots start now; busy: after the last one given; beyond the caller’s limit: nothing', async () => {
    const { client, counter } = countingClient();
    const schedule = newSchedule(client);
    const ask = { intervalMs: 100, latestFirstMs: 10_000 };
    expect(await schedule.claim('acct-a', { ...ask, count: 3, notBeforeMs: 1000 })).toEqual({
      granted: true,
      firstMs: 1000,
      count: 3,
    });
    expect(counter.requests).toBe(1);
    expect(await schedule.claim('acct-a', { ...ask, count: 2, notBeforeMs: 1050 })).toEqual({
      granted: true,
      firstMs: 1300,
      count: 2,
      storedBeforeMs: 1300, // where the schedule was: what a lease checks
    });
    expect(counter.requests).toBe(2);
    // Idle again later: from `notBeforeMs`, not from the old end.
    expect(await schedule.claim('acct-a', { ...ask, count: 1, notBeforeMs: 9000 })).toEqual({
      granted: true,
      firstMs: 9000,
      count: 1,
      storedBeforeMs: 1500,
    });
    // The first free slot (9100) is later than the caller can wait: refused without a write.
    const before = counter.requests;
    expect(
      await schedule.claim('acct-a', { count: 1, intervalMs: 100, notBeforeMs: 9000, latestFirstMs: 9050 }),
    ).toEqual({ granted: false, nextFreeMs: 9100 });
    expect(counter.requests).toBe(before);
  });

  test('concurrent claimers of separate instances never get the same slot', async () => {
    const claims = await claimConcurrently('acct-b', 40, (i) => ({
      count: 1 + (i % 4),
      intervalMs: 10,
      notBeforeMs: 5000,
      latestFirstMs: 1_000_000,
    }));
    const slots = claims.flatMap((c) => {
      const g = granted(c);
      return Array.from({ length: g.count }, (_, k) => g.firstMs + k * 10);
    });
    const expected = Array.from({ length: 40 }, (_, i) => 1 + (i % 4)).reduce((a, b) => a + b, 0);
    expect(slots).toHaveLength(expected);
    expect(new Set(slots).size).toBe(expected);
    // Back to back from the first: no gap, no overlap.
    expect(Math.min(...slots)).toBe(5000);
    expect(Math.max(...slots)).toBe(5000 + (expected - 1) * 10);
  });

  test('racing claimers at a high rate, each with its own "now": every claim served, no slot twice', async () => {
    // 1-ms slots and clocks a few ms apart: the stored value often lands just below some
    // claimers' "now", so both kinds of conditional claim are exercised against each other.
    const claims = await claimConcurrently('acct-race', 48, (i) => ({
      count: 2,
      intervalMs: 1,
      notBeforeMs: 50_000 + (i % 7),
      latestFirstMs: 1_000_000,
    }));
    const slots = claims.flatMap((c) => {
      const g = granted(c);
      return [g.firstMs, g.firstMs + 1];
    });
    expect(new Set(slots).size).toBe(96);
  });

  test('a push-back (429) holds every instance until its end', async () => {
    const a = newSchedule();
    const b = newSchedule();
    granted(await a.claim('acct-c', { count: 1, intervalMs: 100, notBeforeMs: 1000, latestFirstMs: 9e9 }));
    await a.pushBack('acct-c', 4000);
    // An earlier push-back does not pull the schedule forward.
    await b.pushBack('acct-c', 2000);
    expect(
      granted(await b.claim('acct-c', { count: 1, intervalMs: 100, notBeforeMs: 1500, latestFirstMs: 9e9 }))
        .firstMs,
    ).toBe(4000);
  });

  test('limiters of 6 instances on one account: never more than the rate in any second, few writes', async () => {
    const perSecond = 20;
    const { client, counter } = countingClient();
    const limiters = Array.from({ length: 6 }, () =>
      createRateLimiter({
        perSecond,
        slackMs: 50,
        schedule: newSchedule(client),
      }),
    );
    const key = tokenLockHash('hash-key-0123456789', makeTestToken('busy'));
    const starts: number[] = [];
    const began = Date.now();
    // Each instance: 5 conversations sending 2 messages each, one after the other.
    await Promise.all(
      limiters.flatMap((limiter) =>
        Array.from({ length: 5 }, async () => {
          for (let m = 0; m < 2; m += 1) {
            await limiter.acquire(key, { notAfterMs: Date.now() + 20_000 });
            starts.push(Date.now());
          }
        }),
      ),
    );
    const sends = starts.length;
    expect(sends).toBe(60);
    const tightest = tightestWindow(starts, perSecond);
    const elapsed = Date.now() - began;
    process.stderr.write(
      `send schedule: ${sends} sends by 6 instances in ${elapsed} ms, ${counter.requests} DynamoDB writes, tightest ${perSecond + 1}-send window ${tightest} ms\n`,
    );
    expect(tightest).toBeGreaterThanOrEqual(1000);
    // Paced at the rate: 60 sends at ~19/s take about 3 s, not much more.
    expect(elapsed).toBeLessThan((sends - 1) * slotIntervalMs(perSecond, 50) + 2000);
    expect(counter.requests).toBeLessThan(sends);
  }, 30_000);

  test('a lease is one conditional write: taken only where our last claim left the schedule', async () => {
    const key = tokenLockHash('hash-key-0123456789', makeTestToken('lease'));
    const { client, counter } = countingClient();
    const ours = newSchedule(client);
    const theirs = newSchedule();
    const T = 70_000;
    const claim = (schedule: typeof ours, request: Partial<ClaimRequest> & { notBeforeMs: number }) =>
      schedule.claim(key, { count: 1, intervalMs: 100, latestFirstMs: 9e9, ...request });
    expect(granted(await claim(ours, { notBeforeMs: T }))).toMatchObject({ firstMs: T, count: 1 });
    // Untouched since: the lease's 30 slots from now, in one write; it says where it found the schedule.
    counter.requests = 0;
    const lease = { atMs: T + 100, fallbackCount: 1 };
    expect(granted(await claim(ours, { count: 30, notBeforeMs: T + 1000, lease }))).toEqual({
      granted: true,
      firstMs: T + 1000,
      count: 30,
      storedBeforeMs: T + 100,
    });
    expect(counter.requests).toBe(1);
    // Another instance claims after it; our next lease finds the schedule moved: the waiting send's slot only.
    expect(granted(await claim(theirs, { notBeforeMs: T + 1500 })).firstMs).toBe(T + 4000);
    const after = granted(
      await claim(ours, { count: 30, notBeforeMs: T + 4000, lease: { atMs: T + 4000, fallbackCount: 1 } }),
    );
    expect(after).toMatchObject({ firstMs: T + 4100, count: 1, storedBeforeMs: T + 4100 });
  });

  test('an account busy with one instance alone: the limiter leases, a write per several sends, the rate kept', async () => {
    const perSecond = 20;
    const { client, counter } = countingClient();
    const limiter = createRateLimiter({
      perSecond,
      slackMs: 50,
      busyLeaseMs: 1000,
      schedule: newSchedule(client),
    });
    const key = tokenLockHash('hash-key-0123456789', makeTestToken('leased'));
    const starts: number[] = [];
    // A send every 200 ms for 4 s, as replies of a few conversations come one by one.
    for (let i = 0; i < 20; i += 1) {
      const due = Date.now() + 200;
      await limiter.acquire(key, { notAfterMs: Date.now() + 20_000 });
      starts.push(Date.now());
      await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
    }
    expect(tightestWindow(starts, perSecond)).toBeGreaterThanOrEqual(1000);
    // Lone claims for the first second, then a lease of 1 s (5 sends) per write.
    expect(counter.requests).toBeLessThanOrEqual(10);
  }, 20_000);

  test('a schedule left behind by more than a slot gives slots from now, not past ones (no claim storm)', async () => {
    const key = tokenLockHash('hash-key-0123456789', makeTestToken('behind'));
    const schedule = newSchedule();
    const T = 50_000;
    const claim = (notBeforeMs: number) =>
      schedule.claim(key, { count: 1, intervalMs: 73, notBeforeMs, latestFirstMs: notBeforeMs + 5000 });
    expect(granted(await claim(T)).firstMs).toBe(T);
    // Booked: the next claim adds to the schedule (and the instance now guesses it busy).
    expect(granted(await claim(T)).firstMs).toBe(T + 73);
    // 400 ms later the schedule ended 254 ms ago: its old end would be a slot already late.
    expect(granted(await claim(T + 400)).firstMs).toBe(T + 400);
  });
});
