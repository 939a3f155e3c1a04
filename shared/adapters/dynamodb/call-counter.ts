/**
 * Counts the agent calls made for one inbound event that ended without an answer the agent may
 * still have acted on (timeouts), across every delivery of its record (`calls#<eventId>`, TTL =
 * the dedup horizon), so `AGENT_MAX_ATTEMPTS` bounds such calls per message in total. A call is
 * counted when it starts; one that got a definite "not now" (5xx, 429, nothing listening) is given
 * back, so an agent outage is waited out through SQS redeliveries, not cut short.
 */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { PermanentError } from '../../errors';

export interface CallCounter {
  /** Counts one more call; throws `PermanentError` AGENT_ATTEMPTS_EXHAUSTED past `max` (nothing is called). */
  take(eventId: string, max: number): Promise<number>;
  /** The call got a definite answer that it did nothing: it does not count. */
  giveBack(eventId: string): Promise<void>;
}

export function createCallCounter(options: {
  client: DynamoDBDocumentClient;
  tableName: string;
  ttlSeconds: number;
  now?: () => number;
}): CallCounter {
  const now = options.now ?? Date.now;
  return {
    async take(eventId, max) {
      const result = await options.client.send(
        new UpdateCommand({
          TableName: options.tableName,
          Key: { pk: `calls#${eventId}` },
          UpdateExpression: 'ADD calls :one SET #ttl = :ttl',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':one': 1, ':ttl': Math.floor(now() / 1000) + options.ttlSeconds },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      const calls = Number(result.Attributes?.calls ?? 1);
      if (calls > max) {
        throw new PermanentError(
          'AGENT_ATTEMPTS_EXHAUSTED',
          `the agent was called ${max} times for this message without an answer`,
        );
      }
      return calls;
    },
    async giveBack(eventId) {
      await options.client.send(
        new UpdateCommand({
          TableName: options.tableName,
          Key: { pk: `calls#${eventId}` },
          UpdateExpression: 'ADD calls :minusOne',
          ExpressionAttributeValues: { ':minusOne': -1 },
        }),
      );
    },
  };
}
