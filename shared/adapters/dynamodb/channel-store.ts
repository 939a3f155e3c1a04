/**
 * The channel store: channel items (format of channel-item.ts) and token-lock items.
 *
 * A token-lock item `tokenlock#<hmac>` exists while, and only while, an active channel holds that
 * token; hmac = HMAC-SHA256(TOKEN_HASH_KEY, 'chat2desk:' + token), never the raw token. Every write
 * of a channel is conditioned on its `version` (optimistic locking), and every change of status or
 * token writes the channel and the lock(s) in ONE TransactWriteItems, so no crash can leave a lock
 * without an active channel or an active channel without its lock.
 */

import { createHmac } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { TokenInUseError } from '../../channels/errors';
import type { ChannelRepository, SaveOptions } from '../../channels/ports';
import { CHANNEL_TYPE, type Channel } from '../../domain/channel';
import { NotFoundError, VersionConflictError } from '../../errors';
import { withRetries } from '../../retry';
import { fromChannelItem, toChannelItem } from './channel-item';
import { BY_AGENT_INDEX, keys } from './table-definition';

/** HMAC of channel type + token: the lock key. */
export function tokenLockHash(hashKey: string, token: string): string {
  return createHmac('sha256', hashKey).update(`${CHANNEL_TYPE}:${token}`).digest('hex');
}

export interface ChannelStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  tokenHashKey: string;
  now?: () => Date;
  /** Attempts when transactions collide on the same lock (TransactionConflict). Default 6. */
  maxTransactionAttempts?: number;
}

/** Channel attributes a save removes when the next channel has none (signedSince apart: see channelUpdate). */
const OPTIONAL_CHANNEL_ATTRIBUTES = ['operatorId', 'webhookId', 'tokenHash'] as const;

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
type ItemRole = 'channel' | 'lock' | 'release';

export function createChannelStore(options: ChannelStoreOptions): ChannelRepository {
  const { client, tableName } = options;
  const now = options.now ?? (() => new Date());
  const maxAttempts = options.maxTransactionAttempts ?? 6;
  const hash = (token: string) => tokenLockHash(options.tokenHashKey, token);

  async function readChannel(channelId: string): Promise<Channel | undefined> {
    const result = await client.send(
      new GetCommand({ TableName: tableName, Key: { pk: keys.channel(channelId) }, ConsistentRead: true }),
    );
    return result.Item ? fromChannelItem(result.Item) : undefined;
  }

  async function conflictFor(previous: Channel): Promise<Error> {
    const stored = await readChannel(previous.id);
    if (!stored) return new NotFoundError(`channel ${previous.id} does not exist`);
    return new VersionConflictError(
      `channel ${previous.id} was changed meanwhile (version ${stored.version}, expected ${previous.version}); read it again`,
      { expected: previous.version, actual: stored.version },
    );
  }

  /** Runs a transaction; collisions with concurrent transactions are retried, failed conditions mapped. */
  async function transact(items: TransactItem[], roles: ItemRole[], previous: Channel): Promise<void> {
    await withRetries(
      async () => {
        try {
          await client.send(new TransactWriteCommand({ TransactItems: items }));
        } catch (err) {
          if (!(err instanceof TransactionCanceledException)) throw err;
          const reasons = err.CancellationReasons ?? [];
          const failed = (role: ItemRole) =>
            reasons.some((r, i) => roles[i] === role && r.Code === 'ConditionalCheckFailed');
          if (failed('channel')) throw await conflictFor(previous);
          if (failed('lock')) throw new TokenInUseError();
          if (failed('release')) {
            // Our old lock belongs to someone else: never delete another channel's lock.
            throw new TokenInUseError('the token lock of this channel is held by another channel');
          }
          throw err;
        }
      },
      {
        // Only a collision with a concurrent transaction is worth another try, soon.
        decide: (err) =>
          err instanceof TransactionCanceledException &&
          (err.CancellationReasons ?? []).some((r) => r.Code === 'TransactionConflict')
            ? { kind: 'collision', maxTries: maxAttempts }
            : undefined,
        baseDelayMs: 40,
        maxDelayMs: 1_000,
        maxRetryAfterMs: 0,
        maxTotalWaitMs: 5_000,
      },
    );
  }

  function lockPut(tokenHash: string, channelId: string, reclaimFrom?: string): TransactItem {
    return {
      Put: {
        TableName: tableName,
        Item: { pk: keys.tokenLock(tokenHash), channelId, type: CHANNEL_TYPE, lockedAt: now().toISOString() },
        ConditionExpression: reclaimFrom
          ? 'attribute_not_exists(pk) OR channelId = :me OR channelId = :stale'
          : 'attribute_not_exists(pk) OR channelId = :me',
        ExpressionAttributeValues: reclaimFrom
          ? { ':me': channelId, ':stale': reclaimFrom }
          : { ':me': channelId },
      },
    };
  }

  /**
   * Taking a stale lock over is decided in the same transaction as the take-over: the previous
   * owner must not (any more, or again) be an active channel holding this token. If it activated
   * again between the check and this write, the transaction fails instead of leaving two active
   * channels on one token (and an owner that could no longer release its lock).
   */
  function staleOwnerCheck(tokenHash: string, staleOwnerId: string): TransactItem {
    return {
      ConditionCheck: {
        TableName: tableName,
        Key: { pk: keys.channel(staleOwnerId) },
        ConditionExpression: 'attribute_not_exists(pk) OR #status <> :active OR tokenHash <> :hash',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':active': 'active', ':hash': tokenHash },
      },
    };
  }

  function lockDelete(tokenHash: string, channelId: string): TransactItem {
    return {
      Delete: {
        TableName: tableName,
        Key: { pk: keys.tokenLock(tokenHash) },
        ConditionExpression: 'attribute_not_exists(pk) OR channelId = :me',
        ExpressionAttributeValues: { ':me': channelId },
      },
    };
  }

  /**
   * The channel written field by field, never as a whole item: `signedSince` belongs to the webhook
   * function (set between our read and our write, a Put would erase it), so a save leaves it alone
   * unless `resetSignedSince` asks for the account-change reset.
   */
  function channelUpdate(
    next: Channel,
    tokenHash: string | undefined,
    expectedVersion: number,
    saveOptions: SaveOptions,
  ): TransactItem {
    const { pk: _pk, signedSince, ...fields } = toChannelItem(next, tokenHash);
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':expected': expectedVersion };
    const set: string[] = [];
    const remove: string[] = [];
    const present = Object.entries(fields).filter(([, value]) => value !== undefined);
    present.forEach(([attribute, value], i) => {
      names[`#a${i}`] = attribute;
      values[`:v${i}`] = value;
      set.push(`#a${i} = :v${i}`);
    });
    OPTIONAL_CHANNEL_ATTRIBUTES.forEach((attribute, i) => {
      if (attribute in fields && fields[attribute] !== undefined) return;
      names[`#r${i}`] = attribute;
      remove.push(`#r${i}`);
    });
    if (saveOptions.resetSignedSince) {
      names['#signed'] = 'signedSince';
      if (signedSince === undefined) remove.push('#signed');
      else {
        values[':signed'] = signedSince;
        set.push('#signed = :signed');
      }
    }
    return {
      Update: {
        TableName: tableName,
        Key: { pk: keys.channel(next.id) },
        UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
        ConditionExpression: 'version = :expected',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
  }

  return {
    get: readChannel,

    async listByAgent(agentId) {
      const channels: Channel[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: BY_AGENT_INDEX,
            KeyConditionExpression: 'agentId = :a',
            ExpressionAttributeValues: { ':a': agentId },
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) channels.push(fromChannelItem(item));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return channels;
    },

    async create(channel) {
      if (channel.status !== 'inactive') throw new Error('a new channel is stored inactive, then activated');
      await transact(
        [
          {
            Put: {
              TableName: tableName,
              Item: toChannelItem(channel),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
        ['channel'],
        channel,
      );
    },

    async save(next, previous, saveOptions: SaveOptions = {}) {
      if (next.id !== previous.id) throw new Error('save: next and previous are different channels');
      const newHash = next.status === 'active' ? hash(next.token) : undefined;
      const oldHash = previous.status === 'active' ? hash(previous.token) : undefined;
      const items: TransactItem[] = [channelUpdate(next, newHash, previous.version, saveOptions)];
      const roles: ItemRole[] = ['channel'];
      if (newHash) {
        const staleOwner = saveOptions.reclaimLockFrom;
        items.push(lockPut(newHash, next.id, staleOwner));
        roles.push('lock');
        if (staleOwner && staleOwner !== next.id) {
          items.push(staleOwnerCheck(newHash, staleOwner));
          roles.push('lock');
        }
      }
      if (oldHash && oldHash !== newHash) {
        items.push(lockDelete(oldHash, next.id));
        roles.push('release');
      }
      await transact(items, roles, previous);
    },

    async remove(previous) {
      const items: TransactItem[] = [
        {
          Delete: {
            TableName: tableName,
            Key: { pk: keys.channel(previous.id) },
            ConditionExpression: 'version = :expected',
            ExpressionAttributeValues: { ':expected': previous.version },
          },
        },
      ];
      const roles: ItemRole[] = ['channel'];
      if (previous.status === 'active') {
        items.push(lockDelete(hash(previous.token), previous.id));
        roles.push('release');
      }
      await transact(items, roles, previous);
    },

    async tokenLockOwner(token) {
      const result = await client.send(
        new GetCommand({
          TableName: tableName,
          Key: { pk: keys.tokenLock(hash(token)) },
          ConsistentRead: true,
        }),
      );
      const owner = result.Item?.channelId;
      return typeof owner === 'string' ? owner : undefined;
    },
  };
}
