/**
 * Conversation facts shared by the worker and the reply function:
 * - which Chat2Desk message ids are our own sends (their `outbox` echo must not count as a human);
 * - whether a dialog is with a human (taken over or transferred) or with the bot again (closed).
 *
 * The human mark is one item per client whose `atMs` is the time of the Chat2Desk event that set it.
 * A mark or a release only lands when it is at least as new as what is stored (conditional put), so
 * events that are processed out of order — a transfer overtaking a message still with the agent, a
 * close queued behind it — still leave the state of the latest event.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from './table-definition';

export type HumanReason = 'operatorMessage' | 'transferred' | 'botTransfer';

export interface HumanDialogMark {
  reason: HumanReason;
  since: string;
}

export interface ConversationStore {
  recordOwnMessage(channelId: string, messageId: string): Promise<void>;
  isOwnMessage(channelId: string, messageId: string): Promise<boolean>;
  /** `atMs`: when the event that hands the dialog to a human happened (default: now). */
  markWithHuman(channelId: string, dialogKey: string, reason: HumanReason, atMs?: number): Promise<void>;
  withHuman(channelId: string, dialogKey: string): Promise<HumanDialogMark | undefined>;
  /** `atMs`: when the event that gives the dialog back to the bot happened (default: now). */
  clearWithHuman(channelId: string, dialogKey: string, atMs?: number): Promise<void>;
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
    async markWithHuman(channelId, dialogKey, reason, atMs) {
      await putIfNewer(channelId, dialogKey, atMs ?? now(), { state: 'human', reason });
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
      if (!item || item.state === 'bot') return undefined;
      // DynamoDB deletes expired items lazily (and DynamoDB Local never): honour the TTL here.
      if (typeof item.ttl === 'number' && item.ttl * 1000 < now()) return undefined;
      return { reason: item.reason as HumanReason, since: String(item.since) };
    },
    async clearWithHuman(channelId, dialogKey, atMs) {
      await putIfNewer(channelId, dialogKey, atMs ?? now(), { state: 'bot' });
    },
  };

  async function putIfNewer(
    channelId: string,
    dialogKey: string,
    atMs: number,
    fields: { state: 'human' | 'bot'; reason?: HumanReason },
  ): Promise<void> {
    try {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            pk: keys.humanDialog(channelId, dialogKey),
            ...fields,
            since: new Date(atMs).toISOString(),
            atMs,
            ttl: expiry(humanTtl),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR attribute_not_exists(atMs) OR atMs <= :at',
          ExpressionAttributeValues: { ':at': atMs },
        }),
      );
    } catch (err) {
      // A newer event already decided who has the dialog: this older one changes nothing.
      if (err instanceof Error && err.name === 'ConditionalCheckFailedException') return;
      throw err;
    }
  }
}
