/**
 * A Chat2Desk account's send schedule in the one table, shared by every reply instance:
 * `rate#<hmac(type+token)>` (the token's keyed hash, as the token lock; never the token) with
 * `nextFreeMs`, the start of the first slot nobody holds yet (epoch ms), and a TTL.
 *
 * A claim of n slots is ONE conditional UpdateItem, whichever state the schedule is in:
 * - idle (`nextFreeMs` ≤ notBefore, or no item): SET nextFreeMs = notBefore + n·interval;
 * - busy (`nextFreeMs` ≤ latestFirst, and not long past): SET nextFreeMs = nextFreeMs + n·interval,
 *   an atomic add, so concurrent claimers queue up one after the other and never collide. Slots
 *   of it that are already past when the claim returns are simply not used (never anybody else's).
 * Which branch to try is guessed from what this process saw last (the value, and whether the
 * account was booked ahead: then others have most likely booked it further since); a wrong guess
 * fails its condition and returns the stored value (ReturnValuesOnConditionCheckFailure), and the
 * second write is right. The schedule only moves forward, so a remembered value is a lower bound: "busy
 * beyond latestFirst" needs no write at all.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { RetryableError } from '../../errors';
import type {
  ClaimRequest,
  ClaimResult,
  SendSchedule,
  SlotReservation,
  SlotReservations,
} from '../../outbound/rate-limiter';
import { isConditionFailure, numberAttribute, storedItemOf } from './condition-failure';
import { keys } from './table-definition';

export interface SendScheduleOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** An idle account's item is left to expire this long after its last slot (default 1 h). */
  ttlSeconds?: number;
}

const ATTEMPTS = 4;
/**
 * A schedule further in the past than one slot (at most this) is idle: claimed from now, not from
 * its old end, whose slots would already be late.
 */
const STALE_MS = 1000;

/** The stored value, as the document client returns it or as a condition failure carries it (raw). */
const nextFreeOf = (item: unknown): number => numberAttribute(item, 'nextFreeMs') ?? 0;

export function createDynamoSendSchedule(options: SendScheduleOptions): SendSchedule {
  const { client, tableName } = options;
  const ttlSeconds = options.ttlSeconds ?? 3600;
  /** The last `nextFreeMs` seen per key: a lower bound of the stored one. */
  const seen = new Map<string, number>();
  const remember = (key: string, value: number) => {
    if (seen.size > 5000) {
      seen.clear();
      busy.clear();
    }
    seen.set(key, Math.max(seen.get(key) ?? 0, value));
  };
  const ttlOf = (ms: number) => Math.floor(ms / 1000) + ttlSeconds;
  /** Keys whose last claim found the schedule booked ahead. */
  const busy = new Set<string>();

  /**
   * One conditional write: the lease's slots from where our last claim left the schedule, if it is
   * still there. Undefined when it moved (the stored value is remembered for the claim that follows).
   */
  async function tryLease(
    key: string,
    request: ClaimRequest,
    lease: { atMs: number },
  ): Promise<ClaimResult | undefined> {
    const first = Math.max(request.notBeforeMs, lease.atMs);
    if (first > request.latestFirstMs) return undefined;
    const end = first + request.count * request.intervalMs;
    try {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: keys.sendSchedule(key) },
          UpdateExpression: 'SET nextFreeMs = :end, #ttl = :ttl',
          ConditionExpression: 'nextFreeMs = :at',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':end': end, ':at': lease.atMs, ':ttl': ttlOf(end) },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      remember(key, nextFreeOf(storedItemOf(err)));
      busy.add(key);
      return undefined;
    }
    remember(key, end);
    busy.delete(key);
    return { granted: true, firstMs: first, count: request.count, storedBeforeMs: lease.atMs };
  }

  return {
    async claim(key, leaseOrClaim): Promise<ClaimResult> {
      const pk = keys.sendSchedule(key);
      let request = leaseOrClaim;
      if (request.lease) {
        const leased = await tryLease(key, request, request.lease);
        if (leased) return leased;
        // Another instance claimed since our last claim: the slots of the sends waiting, as any claim.
        request = { ...request, count: request.lease.fallbackCount };
      }
      const span = request.count * request.intervalMs;
      let known = seen.get(key) ?? 0;
      let guessBusy = busy.has(key) || known > request.notBeforeMs;
      for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
        if (known > request.latestFirstMs) return { granted: false, nextFreeMs: known };
        try {
          if (!guessBusy) {
            const end = request.notBeforeMs + span;
            const idle = await client.send(
              new UpdateCommand({
                TableName: tableName,
                Key: { pk },
                UpdateExpression: 'SET nextFreeMs = :end, #ttl = :ttl',
                ConditionExpression: 'attribute_not_exists(nextFreeMs) OR nextFreeMs <= :notBefore',
                ExpressionAttributeNames: { '#ttl': 'ttl' },
                ExpressionAttributeValues: {
                  ':end': end,
                  ':notBefore': request.notBeforeMs,
                  ':ttl': ttlOf(end),
                },
                // The value it replaced (the same write unit): whether another instance claimed since.
                ReturnValues: 'UPDATED_OLD',
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              }),
            );
            remember(key, end);
            busy.delete(key);
            const before = numberAttribute(idle.Attributes, 'nextFreeMs');
            return {
              granted: true,
              firstMs: request.notBeforeMs,
              count: request.count,
              ...(before === undefined ? {} : { storedBeforeMs: before }),
            };
          }
          const result = await client.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { pk },
              UpdateExpression: 'SET nextFreeMs = nextFreeMs + :span, #ttl = :ttl',
              // Not `> notBefore`: with racing claimers the value may sit just below it, and the add
              // must then still win (else the claimers take turns failing each other's conditions).
              ConditionExpression: 'nextFreeMs > :floor AND nextFreeMs <= :latest',
              ExpressionAttributeNames: { '#ttl': 'ttl' },
              ExpressionAttributeValues: {
                ':span': span,
                // A schedule left behind by more than a slot is idle: its past slots are of no use
                // (the limiter would drop them as late and claim again); the idle path takes it.
                ':floor': request.notBeforeMs - Math.min(STALE_MS, request.intervalMs),
                ':latest': request.latestFirstMs,
                ':ttl': ttlOf(request.latestFirstMs + span),
              },
              ReturnValues: 'UPDATED_NEW',
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            }),
          );
          const end = nextFreeOf(result.Attributes);
          if (end < span)
            throw new RetryableError('RATE_LIMIT_INVALID', 'the send schedule returned no slot');
          remember(key, end);
          busy.add(key);
          return { granted: true, firstMs: end - span, count: request.count, storedBeforeMs: end - span };
        } catch (err) {
          if (!isConditionFailure(err)) throw err;
          known = nextFreeOf(storedItemOf(err));
          remember(key, known);
          guessBusy = known > request.notBeforeMs - Math.min(STALE_MS, request.intervalMs);
        }
      }
      throw new RetryableError('RATE_LIMIT_CONTENDED', 'the send schedule kept changing under this claim');
    },
    async pushBack(key, untilMs) {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: keys.sendSchedule(key) },
            UpdateExpression: 'SET nextFreeMs = :until, #ttl = :ttl',
            ConditionExpression: 'attribute_not_exists(nextFreeMs) OR nextFreeMs < :until',
            ExpressionAttributeNames: { '#ttl': 'ttl' },
            ExpressionAttributeValues: { ':until': untilMs, ':ttl': ttlOf(untilMs) },
          }),
        );
      } catch (err) {
        // Already pushed further (another instance was told the same): nothing to do.
        if (!isConditionFailure(err)) throw err;
      }
      remember(key, untilMs);
    },
  };
}

/**
 * The slots a throttled record reserved in its account's schedule, kept until it comes back
 * (`slots#<replyId>`, TTL an hour after the last slot): whichever instance receives it then sends
 * in those slots instead of claiming again behind the backlog.
 */
export function createSlotReservations(options: {
  client: DynamoDBDocumentClient;
  tableName: string;
}): SlotReservations {
  const { client, tableName } = options;
  return {
    async save(recordId, r) {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            pk: keys.slotReservation(recordId),
            key: r.key,
            firstMs: r.firstMs,
            count: r.count,
            intervalMs: r.intervalMs,
            ttl: Math.floor((r.firstMs + r.count * r.intervalMs) / 1000) + 3600,
          },
        }),
      );
    },
    async find(recordId) {
      const item = (
        await client.send(
          new GetCommand({
            TableName: tableName,
            Key: { pk: keys.slotReservation(recordId) },
            ConsistentRead: true,
          }),
        )
      ).Item;
      if (!item || typeof item.key !== 'string') return undefined;
      const reservation: SlotReservation = {
        key: item.key,
        firstMs: Number(item.firstMs),
        count: Number(item.count),
        intervalMs: Number(item.intervalMs),
      };
      return Number.isFinite(reservation.firstMs) ? reservation : undefined;
    },
  };
}
