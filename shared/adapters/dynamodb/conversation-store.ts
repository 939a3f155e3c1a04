/**
 * Conversation facts shared by the worker and the reply function:
 * - which Chat2Desk message ids are our own sends (their `outbox` echo must not count as a human);
 * - which dialogs are with a human (taken over or transferred) until Chat2Desk closes them.
 */
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from './table-definition';

export type HumanReason = 'operatorMessage' | 'transferred' | 'botTransfer';

export interface HumanDialogMark {
  reason: HumanReason;
  since: string;
}

export interface ConversationStore {
  recordOwnMessage(channelId: string, messageId: string): Promise<void>;
  isOwnMessage(channelId: string, messageId: string): Promise<boolean>;
  markWithHuman(channelId: string, dialogKey: string, reason: HumanReason): Promise<void>;
  withHuman(channelId: string, dialogKey: string): Promise<HumanDialogMark | undefined>;
  clearWithHuman(channelId: string, dialogKey: string): Promise<void>;
}

export interface ConversationStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Lifetime of own-message records (seconds). */
  ownMessageTtlSeconds: number;
  /** A dialog nobody closes is released after this long (seconds), so the bot is never muted forever. */
  humanDialogTtlSeconds?: number;
  now?: () => number;
}

export function createConversationStore(options: ConversationStoreOptions): ConversationStore {
  const { client, tableName } = options;
  const now = options.now ?? Date.now;
  const humanTtl = options.humanDialogTtlSeconds ?? 7 * 24 * 3600;
  const expiry = (seconds: number) => Math.floor(now() / 1000) + seconds;

  return {
    async recordOwnMessage(channelId, messageId) {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: { pk: keys.ownMessage(channelId, messageId), ttl: expiry(options.ownMessageTtlSeconds) },
        }),
      );
    },
    async isOwnMessage(channelId, messageId) {
      const result = await client.send(
        new GetCommand({
          TableName: tableName,
          Key: { pk: keys.ownMessage(channelId, messageId) },
          ConsistentRead: true,
        }),
      );
      return result.Item !== undefined;
    },
    async markWithHuman(channelId, dialogKey, reason) {
      const since = new Date(now()).toISOString();
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: { pk: keys.humanDialog(channelId, dialogKey), reason, since, ttl: expiry(humanTtl) },
        }),
      );
    },
    async withHuman(channelId, dialogKey) {
      const result = await client.send(
        new GetCommand({
          TableName: tableName,
          Key: { pk: keys.humanDialog(channelId, dialogKey) },
          ConsistentRead: true,
        }),
      );
      const item = result.Item;
      if (!item) return undefined;
      // DynamoDB deletes expired items lazily (and DynamoDB Local never): honour the TTL here.
      if (typeof item.ttl === 'number' && item.ttl * 1000 < now()) return undefined;
      return { reason: item.reason as HumanReason, since: String(item.since) };
    },
    async clearWithHuman(channelId, dialogKey) {
      await client.send(
        new DeleteCommand({ TableName: tableName, Key: { pk: keys.humanDialog(channelId, dialogKey) } }),
      );
    },
  };
}
