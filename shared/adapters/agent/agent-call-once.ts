/**
 * Exactly one agent call per inbound event (DESIGN §3 inv. 3), with Powertools Idempotency on the
 * one table (pk-only, TTL attribute `ttl`, keys prefixed `idem#`).
 *
 * - The key is the event id (channel + Chat2Desk message id), kept `DEDUP_TTL_SECONDS` (≥ 6 h):
 *   longer than Chat2Desk's whole retry horizon (10 s, 5 min, 2 h).
 * - The agent's answer is stored with the record: after a crash between the answer and the
 *   enqueue of the replies, the redelivered record gets the stored answer, not a second call.
 *   A large answer is stored compressed, within DynamoDB's item limit (`stored-answer.ts`).
 * - A failed call deletes the record (Powertools does that), so SQS's redelivery calls again.
 * - With a call counter, calls that ended without an answer are counted on the failure path
 *   (`calls#<eventId>`): past `AGENT_MAX_ATTEMPTS` of them the event fails permanently. A call cut
 *   off by a crash ends nothing and is not counted: it is repeated once by the redelivery, and a
 *   record that keeps crashing its invocation reaches the DLQ after `maxReceiveCount`.
 * - A record moved back from the DLQ (`redriveId`) counts such calls afresh, under
 *   `calls#<eventId>#redrive#<redriveId>`: a message dead-lettered because the agent hung is tried
 *   again once the agent is fixed, while Chat2Desk's own retries stay bounded by the first budget.
 * - A concurrent duplicate that finds the record in progress fails as retryable; the in-progress
 *   lock expires with the Lambda's remaining time, so a crashed attempt never blocks for 6 h.
 */

import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import type { AgentEvent, AgentResponse } from '../../domain/agent-contract';
import { ConnectorError, PermanentError, RetryableError } from '../../errors';
import type { AgentCallOptions } from '../../inbound/ports';
import { CUSTOM_METRICS } from '../../metric-names';
import { logger, timeMetric } from '../../observability';
import type { CallCounter } from '../dynamodb/call-counter';
import { IDEMPOTENCY_KEY_PREFIX, TABLE_PARTITION_KEY, TTL_ATTRIBUTE } from '../dynamodb/table-definition';
import type { AgentEventsClient } from './agent-events-client';
import { fromStoredAnswer, type StoredAnswer, toStoredAnswer } from './stored-answer';

/** Failures that prove the agent did not act on the call. */
const DEFINITE_REFUSALS: ReadonlySet<string> = new Set(['AGENT_UNAVAILABLE', 'AGENT_UNREACHABLE']);

export interface AgentCallOnce {
  /** Calls the agent unless this event id was answered before; then returns the stored answer. */
  call(agentId: string, event: AgentEvent, options?: AgentCallOptions): Promise<AgentResponse>;
  /** Lets the in-progress lock expire with this invocation. */
  registerContext(context: Context): void;
}

export interface AgentCallOnceOptions {
  agent: AgentEventsClient;
  dynamoDb: DynamoDBClient;
  tableName: string;
  ttlSeconds: number;
  /** When set, calls per event over all deliveries are at most `maxCalls` (AGENT_MAX_ATTEMPTS). */
  calls?: CallCounter;
  maxCalls?: number;
}

interface AgentCallRequest {
  idempotencyKey: string;
  agentId: string;
  event: AgentEvent;
  redriveId?: string;
}

export function createAgentCallOnce(options: AgentCallOnceOptions): AgentCallOnce {
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: options.tableName,
    keyAttr: TABLE_PARTITION_KEY,
    expiryAttr: TTL_ATTRIBUTE,
    awsSdkV3Client: options.dynamoDb,
  });
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'idempotencyKey',
    expiresAfterSeconds: options.ttlSeconds,
    throwOnNoIdempotencyKey: true,
  });
  // Only real calls are timed: an answer replayed from the idempotency record costs no agent time.
  const callAgent = async (request: AgentCallRequest): Promise<AgentResponse> => {
    const started = Date.now();
    try {
      const { calls, maxCalls } = options;
      // A redriven record counts its calls afresh: the budget is per move back from the DLQ.
      const budget = request.redriveId
        ? `${request.event.eventId}#redrive#${request.redriveId}`
        : request.event.eventId;
      // Calls of earlier deliveries that ended without an answer: read once, then kept here.
      let unanswered: number | undefined;
      return await options.agent.sendEvent(
        request.agentId,
        request.event,
        calls && maxCalls
          ? {
              beforeAttempt: async () => {
                unanswered ??= await calls.unanswered(budget);
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
                unanswered = await calls.recordUnanswered(budget);
              },
            }
          : {},
      );
    } finally {
      timeMetric(CUSTOM_METRICS.agentLatency, Date.now() - started);
    }
  };
  // The answer of this invocation's own call, as it came: the record keeps a compact form of it.
  const fresh = new Map<string, AgentResponse>();
  const callAndKeep = async (request: AgentCallRequest): Promise<StoredAnswer> => {
    const answer = await callAgent(request);
    fresh.set(request.idempotencyKey, answer);
    const stored = toStoredAnswer(answer);
    if (stored !== answer && !('gzipBase64' in stored)) {
      logger.warn('agent answer too large to keep for a redelivery; only its size is kept', {
        eventId: request.event.eventId,
      });
    }
    return stored;
  };
  const idempotentCall = makeIdempotent(callAndKeep, {
    persistenceStore,
    config,
    keyPrefix: IDEMPOTENCY_KEY_PREFIX,
  });

  return {
    async call(agentId, event, options = {}) {
      try {
        const request: AgentCallRequest = { idempotencyKey: event.eventId, agentId, event };
        if (options.redriveId) request.redriveId = options.redriveId;
        const stored = (await idempotentCall(request)) as StoredAnswer;
        return fresh.get(event.eventId) ?? fromStoredAnswer(stored);
      } catch (err) {
        if (err instanceof ConnectorError) throw err;
        const name = err instanceof Error ? err.name : 'unknown';
        if (name === 'IdempotencyAlreadyInProgressError') {
          throw new RetryableError(
            'AGENT_CALL_IN_PROGRESS',
            'this event is being handled by another invocation',
            {
              cause: err,
            },
          );
        }
        throw new RetryableError('IDEMPOTENCY_STORE_FAILED', `the dedup store failed (${name})`, {
          cause: err,
        });
      } finally {
        fresh.delete(event.eventId);
      }
    },
    registerContext(context) {
      config.registerLambdaContext(context);
    },
  };
}
