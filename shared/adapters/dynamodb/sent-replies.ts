/**
 * Which parts of a reply were already sent — so a redelivered batch sends nothing twice and a
 * crash between the parts of a long reply resumes at the first unsent part.
 *
 * - `sent#<replyId>#part#<index>`  operation `index` was done (with Chat2Desk's message id).
 * The parts of a reply are sent in order, so the record of its last part says the whole reply was
 * delivered: no separate record for that (one write and one read less per reply).
 * Conditional puts (first writer wins), TTL of at least Chat2Desk's and SQS's retry horizon.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from './condition-failure';
import { keys } from './table-definition';

export interface SentPart {
  index: number;
  messageId?: string;
  sentAt: string;
}

export interface SentReplies {
  sentPart(replyId: string, index: number): Promise<SentPart | undefined>;
  recordPart(replyId: string, index: number, messageId?: string): Promise<void>;
}

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
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      // Already recorded (a concurrent or earlier attempt): the record is what we wanted.
      if (!isConditionFailure(err)) throw err;
    }
  };

  return {
    async sentPart(replyId, index) {
      const item = await get(sentPartKey(replyId, index));
      if (!item) return undefined;
      const part: SentPart = { index, sentAt: String(item.sentAt) };
      if (typeof item.messageId === 'string') part.messageId = item.messageId;
      return part;
    },
    async recordPart(replyId, index, messageId) {
      const sentAt = new Date(now()).toISOString();
      await putOnce({ pk: sentPartKey(replyId, index), sentAt, ...(messageId ? { messageId } : {}) });
    },
  };
}
