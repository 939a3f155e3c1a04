/**
 * The reply function's records, two at a time, so that a delivered part costs one request before
 * the send and one after (DESIGN §3, docs/DEPLOY.md "Requests per message"):
 * - before: the last part's record (`sent#…`, consistent) and the conversation (`conv#…`) in one
 *   BatchGetItem, when the dialog is known;
 * - after: the part's record and the own-message record of the message id Chat2Desk gave it
 *   (`echo#…`, which an `outbox_status` refusal is matched by) in one BatchWriteItem.
 * The items are the same as when they are read and written one by one (sent-replies.ts,
 * conversation-store.ts): only the requests are fewer. The part's record is put without the
 * "first writer wins" condition a batch cannot carry: a second writer could only be another
 * attempt at the same part, and it writes the same fact.
 * Keys left unprocessed (throttling) are tried again a few times, then the call fails (retryable).
 */
import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Conversation } from '../../conversations/ports';
import { RetryableError } from '../../errors';
import type { PartState, ReplyRecords } from '../../outbound/ports';
import { withRetries } from '../../retry';
import { conversationOf } from './conversation-store';
import { partStateOf, sentPartItem, sentPartKey } from './sent-replies';
import { keys } from './table-definition';

export interface ReplyRecordsOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** DEDUP_TTL_SECONDS: own-message and sent-part records. */
  ttlSeconds: number;
  now?: () => number;
}

class UnprocessedError extends RetryableError {
  constructor(what: string) {
    super('DYNAMODB_UNPROCESSED', `${what}: DynamoDB left keys unprocessed`);
  }
}

const UNPROCESSED_RULES = {
  decide: (err: unknown) =>
    err instanceof UnprocessedError ? { kind: 'unprocessed', maxTries: 4 } : undefined,
  baseDelayMs: 50,
  maxDelayMs: 400,
  maxRetryAfterMs: 0,
  maxTotalWaitMs: 1_000,
};

export function createReplyRecords(options: ReplyRecordsOptions): ReplyRecords {
  const { client, tableName } = options;
  const now = options.now ?? Date.now;
  const alive = (item: Record<string, unknown> | undefined) =>
    // DynamoDB deletes expired items lazily (and DynamoDB Local never): honour the TTL here.
    item && !(typeof item.ttl === 'number' && item.ttl * 1000 < now()) ? item : undefined;

  return {
    async startOfDelivery(replyId, lastIndex, channelId, dialogId) {
      const sentKey = sentPartKey(replyId, lastIndex);
      const convKey = keys.conversation(channelId, dialogId);
      const found = new Map<string, Record<string, unknown>>();
      let pending = [{ pk: sentKey }, { pk: convKey }];
      await withRetries(async () => {
        const result = await client.send(
          new BatchGetCommand({
            RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } },
          }),
        );
        for (const item of result.Responses?.[tableName] ?? []) found.set(String(item.pk), item);
        pending = (result.UnprocessedKeys?.[tableName]?.Keys ?? []) as { pk: string }[];
        if (pending.length > 0) throw new UnprocessedError('reading a reply and its conversation');
      }, UNPROCESSED_RULES);
      const lastPart: PartState = partStateOf(lastIndex, found.get(sentKey));
      const conversation: Conversation = conversationOf(dialogId, alive(found.get(convKey)));
      return { lastPart, conversation };
    },

    async recordSent(channelId, replyId, index, messageId) {
      const at = now();
      let pending = [
        { PutRequest: { Item: sentPartItem(replyId, index, at, options.ttlSeconds, messageId) } },
        {
          PutRequest: {
            Item: {
              pk: keys.ownMessage(channelId, messageId),
              replyId,
              ttl: Math.floor(at / 1000) + options.ttlSeconds,
            },
          },
        },
      ];
      await withRetries(async () => {
        const result = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
        pending = (result.UnprocessedItems?.[tableName] ?? []) as typeof pending;
        if (pending.length > 0) throw new UnprocessedError('recording a sent part');
      }, UNPROCESSED_RULES);
    },
  };
}
