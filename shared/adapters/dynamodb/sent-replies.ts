/**
 * Which parts of a reply were already sent — so a redelivered batch sends nothing twice and a
 * crash between the parts of a long reply resumes at the first unsent part.
 *
 * - `sent#<replyId>#part#<index>`  operation `index` was done (with Chat2Desk's message id); before
 *   that, the same item counts the sends of it whose outcome is unknown (`unsureSends`: timed out
 *   or dropped after the request left) and when the first of them ended (`firstUnsureAt`), so a
 *   part is looked for in Chat2Desk before it is sent again, and never sent a third time.
 * The parts of a reply are sent in order, so the record of its last part says the whole reply was
 * delivered: no separate record for that (one write and one read less per reply).
 * Conditional puts (first writer wins), TTL of at least Chat2Desk's and SQS's retry horizon.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PartState, SentPart, SentReplies } from '../../outbound/ports';
import { isConditionFailure } from './condition-failure';
import { keys } from './table-definition';

export type { PartState, SentPart, SentReplies };

export interface SentRepliesOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** DEDUP_TTL_SECONDS; at least 6 h. */
  ttlSeconds: number;
  now?: () => number;
}

export const MIN_SENT_RECORD_TTL_SECONDS = 6 * 3600;

export function sentPartKey(replyId: string, index: number): string {
  return keys.sentReply(`${replyId}#part#${index}`);
}

/** A part's state as its record says (no record: nothing sent, no unsure send). */
export function partStateOf(index: number, item: Record<string, unknown> | undefined): PartState {
  const unsureSends = typeof item?.unsureSends === 'number' ? item.unsureSends : 0;
  const unsure: PartState =
    typeof item?.firstUnsureAt === 'number'
      ? { unsureSends, firstUnsureAtMs: item.firstUnsureAt }
      : { unsureSends };
  if (typeof item?.sentAt !== 'string') return unsure;
  const part: SentPart = { index, sentAt: item.sentAt };
  if (typeof item.messageId === 'string') part.messageId = item.messageId;
  return { ...unsure, sent: part };
}

/** The item that says part `index` of a reply was sent (with Chat2Desk's message id). */
export function sentPartItem(
  replyId: string,
  index: number,
  atMs: number,
  ttlSeconds: number,
  messageId?: string,
): Record<string, unknown> {
  return {
    pk: sentPartKey(replyId, index),
    sentAt: new Date(atMs).toISOString(),
    ...(messageId ? { messageId } : {}),
    ttl: Math.floor(atMs / 1000) + Math.max(MIN_SENT_RECORD_TTL_SECONDS, ttlSeconds),
  };
}

export function createSentReplies(options: SentRepliesOptions): SentReplies {
  const { client, tableName } = options;
  const now = options.now ?? Date.now;
  const ttlSeconds = Math.max(MIN_SENT_RECORD_TTL_SECONDS, options.ttlSeconds);

  const get = async (pk: string) =>
    (await client.send(new GetCommand({ TableName: tableName, Key: { pk }, ConsistentRead: true }))).Item;

  const putOnce = async (item: Record<string, unknown>) => {
    try {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...item, ttl: Math.floor(now() / 1000) + ttlSeconds },
          // Free, or holding only the count of unsure sends (replaced: the part is sent now).
          ConditionExpression: 'attribute_not_exists(sentAt)',
        }),
      );
    } catch (err) {
      // Already recorded (a concurrent or earlier attempt): the record is what we wanted.
      if (!isConditionFailure(err)) throw err;
    }
  };

  const partState = async (replyId: string, index: number): Promise<PartState> =>
    partStateOf(index, await get(sentPartKey(replyId, index)));

  return {
    async sentPart(replyId, index) {
      return (await partState(replyId, index)).sent;
    },
    partState,
    async recordUnsureSend(replyId, index) {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: sentPartKey(replyId, index) },
            UpdateExpression:
              'ADD unsureSends :one SET #ttl = :ttl, firstUnsureAt = if_not_exists(firstUnsureAt, :now)',
            ConditionExpression: 'attribute_not_exists(sentAt)',
            ExpressionAttributeNames: { '#ttl': 'ttl' },
            ExpressionAttributeValues: {
              ':one': 1,
              ':ttl': Math.floor(now() / 1000) + ttlSeconds,
              ':now': now(),
            },
          }),
        );
      } catch (err) {
        // Recorded as sent meanwhile: nothing left to count.
        if (!isConditionFailure(err)) throw err;
      }
    },
    async recordPart(replyId, index, messageId) {
      const { ttl: _ttl, ...item } = sentPartItem(replyId, index, now(), ttlSeconds, messageId);
      await putOnce(item);
    },
  };
}
