/**
 * Counts the agent calls made for one inbound event that ended without an answer the agent may
 * have acted on (timeouts, answers we could not use), across every delivery of its record
 * (`calls#<eventId>`, TTL = the dedup horizon), so `AGENT_MAX_ATTEMPTS` bounds such calls per
 * message in total. Written on the failure path only: a call that gets an answer costs one read
 * here and no write; one that got a definite "not now" (5xx, 429, nothing listening) is not
 * counted, so an agent outage is waited out through SQS redeliveries, not cut short.
 *
 * The read is eventually consistent: the count it reads was written by an earlier delivery, at
 * least the queue's visibility timeout ago (within one invocation the caller keeps the count).
 */
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';

export interface CallCounter {
  /** Calls of this event that ended without an answer so far. */
  unanswered(eventId: string): Promise<number>;
  /** One more call ended without an answer; returns the new count. */
  recordUnanswered(eventId: string): Promise<number>;
}

export function callCounterKey(eventId: string): string {
  return `calls#${eventId}`;
}

export function createCallCounter(options: {
  client: DynamoDBDocumentClient;
  tableName: string;
  ttlSeconds: number;
  now?: () => number;
}): CallCounter {
  const now = options.now ?? Date.now;
  return {
    async unanswered(eventId) {
      const result = await options.client.send(
        new GetCommand({ TableName: options.tableName, Key: { pk: callCounterKey(eventId) } }),
      );
      const item = result.Item;
      // DynamoDB deletes expired items lazily (and DynamoDB Local never): honour the TTL here.
      if (!item || (typeof item.ttl === 'number' && item.ttl * 1000 < now())) return 0;
      return Number(item.calls ?? 0);
    },
    async recordUnanswered(eventId) {
      const result = await options.client.send(
        new UpdateCommand({
          TableName: options.tableName,
          Key: { pk: callCounterKey(eventId) },
          UpdateExpression: 'ADD calls :one SET #ttl = :ttl',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':one': 1, ':ttl': Math.floor(now() / 1000) + options.ttlSeconds },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(result.Attributes?.calls ?? 1);
    },
  };
}
