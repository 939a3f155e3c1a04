/**
 * Exactly one agent call per inbound event (DESIGN §3 inv. 3), in ONE record per event on the one
 * table: `idem#<hash of the event id>` (the key Powertools Idempotency used, so records of the
 * version before are read as they were), with conditional writes of our own.
 *
 * The record holds the call's state (`status` INPROGRESS / COMPLETED, the in-progress lock's end
 * `in_progress_expiration`, the agent's answer `data`), the dedup horizon (`ttl`, `DEDUP_TTL_SECONDS`
 * ≥ 6 h: longer than Chat2Desk's whole retry horizon of 10 s, 5 min, 2 h) and the count of calls
 * that ended without an answer (`calls`, with `callsBudget`: the redrive the count belongs to).
 *
 * - **Claim** (one conditional UpdateItem, before the call): the record does not exist, or has
 *   expired, or is INPROGRESS with its lock expired → INPROGRESS, locked until this invocation's
 *   end. The write returns the record it replaced: the count of unanswered calls comes with it,
 *   no read. A refused claim carries the stored record back: COMPLETED → its answer is replayed (no
 *   call); INPROGRESS → another invocation has it (retryable `AGENT_CALL_IN_PROGRESS`).
 * - **Answered** (one UpdateItem): COMPLETED with the answer, compressed when large
 *   (`stored-answer.ts`): after a crash between the answer and the enqueue of the replies, the
 *   redelivered record gets the stored answer, not a second call.
 * - **Failed** (the call threw): the lock is released (its end set to now), the count kept, so
 *   SQS's redelivery calls again. A call the agent may have acted on (a timeout, an answer we could
 *   not use) is counted on the failure path; past `AGENT_MAX_ATTEMPTS` of them the event fails
 *   permanently. A definite "not now" (5xx, 429, nothing listening) is not counted. A call cut off
 *   by a crash ends nothing and is not counted: the lock expires with the invocation, the
 *   redelivery repeats it once, and a record that keeps crashing reaches the DLQ after
 *   `maxReceiveCount`.
 * - A record moved back from the DLQ (`redriveId`) counts such calls afresh: the count belongs to
 *   `callsBudget` = that redrive, so a message dead-lettered because the agent hung is tried again
 *   once the agent is fixed, while Chat2Desk's own retries stay bounded by the first budget.
 *
 * Why not Powertools Idempotency (as before): it keeps the call's record and nothing else, so the
 * per-message call counter had to be a second item (`calls#…`), read on every message; its claim
 * is a PutItem that would erase a count kept beside it, and it deletes the record on a failure.
 * Two writes and no read per answered message here, against two writes and a read (docs/DEPLOY.md).
 */

import { createHash } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import type { AgentEvent, AgentResponse } from '../../domain/agent-contract';
import { ConnectorError, PermanentError, RetryableError } from '../../errors';
import type { AgentCallOptions } from '../../inbound/ports';
import { CUSTOM_METRICS } from '../../metric-names';
import { logger, timeMetric } from '../../observability';
import { isConditionFailure, numberAttribute, storedItemOf } from '../dynamodb/condition-failure';
import { IDEMPOTENCY_KEY_PREFIX, TTL_ATTRIBUTE } from '../dynamodb/table-definition';
import type { AgentEventsClient } from './agent-events-client';
import { fromStoredAnswer, type StoredAnswer, toStoredAnswer } from './stored-answer';

/** Failures that prove the agent did not act on the call. */
const DEFINITE_REFUSALS: ReadonlySet<string> = new Set(['AGENT_UNAVAILABLE', 'AGENT_UNREACHABLE']);

const INPROGRESS = 'INPROGRESS';
const COMPLETED = 'COMPLETED';

export interface AgentCallOnce {
  /** Calls the agent unless this event id was answered before; then returns the stored answer. */
  call(agentId: string, event: AgentEvent, options?: AgentCallOptions): Promise<AgentResponse>;
  /** Lets the in-progress lock expire with this invocation. */
  registerContext(context: Context): void;
}

export interface AgentCallOnceOptions {
  agent: AgentEventsClient;
  client: DynamoDBDocumentClient;
  tableName: string;
  ttlSeconds: number;
  /** When set, calls per event that end without an answer are at most `maxCalls` (AGENT_MAX_ATTEMPTS). */
  maxCalls?: number;
  now?: () => number;
}

/** The record's key: as Powertools Idempotency made it (md5, base64, of the JSON of the event id). */
export function agentCallKey(eventId: string): string {
  return `${IDEMPOTENCY_KEY_PREFIX}#${createHash('md5').update(JSON.stringify(eventId)).digest('base64')}`;
}

/** A string attribute as the document client returns it, or raw (`{ S }`) from a condition failure. */
function stringAttribute(item: unknown, name: string): string | undefined {
  const value = item && typeof item === 'object' ? (item as Record<string, unknown>)[name] : undefined;
  if (typeof value === 'string') return value;
  const raw = value && typeof value === 'object' ? (value as { S?: unknown }).S : undefined;
  return typeof raw === 'string' ? raw : undefined;
}

export function createAgentCallOnce(options: AgentCallOnceOptions): AgentCallOnce {
  const { client, tableName } = options;
  const now = options.now ?? Date.now;
  let context: Context | undefined;

  /** Claims the record; returns the unanswered calls of this budget, or the stored answer. */
  async function claim(
    pk: string,
    budget: string,
  ): Promise<{ unanswered: number } | { stored: StoredAnswer }> {
    const t = now();
    const remaining = context?.getRemainingTimeInMillis();
    try {
      const result = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk },
          UpdateExpression:
            remaining === undefined
              ? 'SET #status = :inprogress, #ttl = :ttl REMOVE #lock'
              : 'SET #status = :inprogress, #ttl = :ttl, #lock = :lock',
          ConditionExpression:
            'attribute_not_exists(pk) OR #ttl < :nowSeconds OR (#status = :inprogress AND attribute_exists(#lock) AND #lock < :now)',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#ttl': TTL_ATTRIBUTE,
            '#lock': 'in_progress_expiration',
          },
          ExpressionAttributeValues: {
            ':inprogress': INPROGRESS,
            ':ttl': Math.round(t / 1000) + options.ttlSeconds,
            ':nowSeconds': t / 1000,
            ':now': t,
            ...(remaining === undefined ? {} : { ':lock': t + remaining }),
          },
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      const old = result.Attributes;
      // An expired record's count is of an earlier horizon; a count of another redrive is not ours.
      const live = (numberAttribute(old, TTL_ATTRIBUTE) ?? 0) * 1000 >= t;
      const sameBudget = (stringAttribute(old, 'callsBudget') ?? '') === budget;
      return { unanswered: live && sameBudget ? (numberAttribute(old, 'calls') ?? 0) : 0 };
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      if (stringAttribute(storedItemOf(err), 'status') === COMPLETED) {
        // A repeat of an answered event (rare): its answer, read as the document client gives it.
        const item = (
          await client.send(new GetCommand({ TableName: tableName, Key: { pk }, ConsistentRead: true }))
        ).Item;
        if (item?.status === COMPLETED && item.data !== undefined)
          return { stored: item.data as StoredAnswer };
      }
      throw new RetryableError('AGENT_CALL_IN_PROGRESS', 'this event is being handled by another invocation');
    }
  }

  async function complete(pk: string, stored: StoredAnswer): Promise<void> {
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk },
        UpdateExpression: 'SET #status = :completed, #data = :data, #ttl = :ttl REMOVE #lock',
        ExpressionAttributeNames: {
          '#status': 'status',
          '#data': 'data',
          '#ttl': TTL_ATTRIBUTE,
          '#lock': 'in_progress_expiration',
        },
        ExpressionAttributeValues: {
          ':completed': COMPLETED,
          ':data': stored,
          ':ttl': Math.round(now() / 1000) + options.ttlSeconds,
        },
      }),
    );
  }

  /** The call failed: the lock ends now (a redelivery calls again); `calls` is the new count, if counted. */
  async function release(pk: string, counted?: { calls: number; budget: string }): Promise<void> {
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk },
        UpdateExpression: counted
          ? 'SET #lock = :now, calls = :calls, callsBudget = :budget'
          : 'SET #lock = :now',
        ConditionExpression: '#status = :inprogress',
        ExpressionAttributeNames: { '#status': 'status', '#lock': 'in_progress_expiration' },
        ExpressionAttributeValues: {
          ':now': now() - 1,
          ':inprogress': INPROGRESS,
          ...(counted ? { ':calls': counted.calls, ':budget': counted.budget } : {}),
        },
      }),
    );
  }

  return {
    async call(agentId, event, callOptions = {}) {
      const pk = agentCallKey(event.eventId);
      // A redriven record counts its calls afresh: the budget is per move back from the DLQ.
      const budget = callOptions.redriveId ?? '';
      let claimed: Awaited<ReturnType<typeof claim>>;
      try {
        claimed = await claim(pk, budget);
      } catch (err) {
        if (err instanceof ConnectorError) throw err;
        throw storeFailed(err);
      }
      if ('stored' in claimed) return fromStoredAnswer(claimed.stored);

      let unanswered = claimed.unanswered;
      let counted = false;
      const { maxCalls } = options;
      const started = now();
      let answer: AgentResponse;
      try {
        answer = await options.agent.sendEvent(
          agentId,
          event,
          maxCalls
            ? {
                beforeAttempt: async () => {
                  if (unanswered >= maxCalls) {
                    throw new PermanentError(
                      'AGENT_ATTEMPTS_EXHAUSTED',
                      `the agent was called ${maxCalls} times for this message without an answer`,
                    );
                  }
                },
                // Only a call the agent may have acted on counts: a timeout, or an answer we lost.
                afterFailure: async (err) => {
                  if (err instanceof ConnectorError && DEFINITE_REFUSALS.has(err.code)) return;
                  unanswered += 1;
                  counted = true;
                },
              }
            : {},
        );
      } catch (err) {
        // Only real calls are timed: an answer replayed from the record costs no agent time.
        timeMetric(CUSTOM_METRICS.agentLatency, now() - started);
        await release(pk, counted ? { calls: unanswered, budget } : undefined).catch(
          (releaseErr: unknown) => {
            // The lock then ends with the invocation; the count of this delivery's calls is lost.
            logger.warn('could not release the agent-call record', {
              eventId: event.eventId,
              error: releaseErr instanceof Error ? releaseErr.name : 'unknown',
            });
          },
        );
        throw err;
      }
      timeMetric(CUSTOM_METRICS.agentLatency, now() - started);
      const stored = toStoredAnswer(answer);
      if (stored !== answer && !('gzipBase64' in stored)) {
        logger.warn('agent answer too large to keep for a redelivery; only its size is kept', {
          eventId: event.eventId,
        });
      }
      try {
        await complete(pk, stored);
      } catch (err) {
        throw storeFailed(err);
      }
      return answer;
    },
    registerContext(lambdaContext) {
      context = lambdaContext;
    },
  };
}

function storeFailed(err: unknown): RetryableError {
  const name = err instanceof Error ? err.name : 'unknown';
  return new RetryableError('IDEMPOTENCY_STORE_FAILED', `the dedup store failed (${name})`, { cause: err });
}
