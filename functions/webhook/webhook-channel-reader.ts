/**
 * What the webhook function needs to know of a channel before it queues a delivery: its token (to
 * check Chat2Desk's signature), whether it is active, its current generation (older URLs are
 * retired) and whether unsigned deliveries are refused. Read with a short per-process cache; the
 * caller asks for a fresh read whenever a cached answer would refuse or retire something.
 *
 * Why not `createChannelReader`: that reader validates the whole item with zod, while the webhook
 * has the tightest bundle budget (150 kB). This reads the same item (`channel#<id>`, a projection)
 * with plain checks.
 */
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../shared/adapters/dynamodb/table-definition';
import { registerSecret } from '../../shared/redaction';

export interface WebhookChannelState {
  token: string;
  active: boolean;
  generation: number;
  /** `requireSignature`, or a signed delivery of this account was seen: unsigned ones are refused. */
  signatureRequired: boolean;
  /** A signed delivery was already recorded (nothing to mark). */
  signedSeen: boolean;
}

export interface WebhookChannelRead {
  state: WebhookChannelState | undefined;
  /** The answer came from the cache (it may predate a change). */
  cached: boolean;
}

export interface WebhookChannelReader {
  /** The channel's state; `fresh` bypasses the cache with a consistent read. Undefined: no such channel. */
  read(channelId: string, options?: { fresh?: boolean }): Promise<WebhookChannelRead>;
  /** Records that this generation's deliveries are signed: unsigned ones are refused from now on. */
  markSigned(channelId: string, generation: number, at: string): Promise<void>;
}

export function createWebhookChannelReader(options: {
  client: DynamoDBDocumentClient;
  tableName: string;
  cacheTtlMs: number;
  now?: () => number;
}): WebhookChannelReader {
  const now = options.now ?? Date.now;
  const cache = new Map<string, { at: number; state: WebhookChannelState | undefined }>();
  const MAX_ENTRIES = 1000;
  const remember = (channelId: string, state: WebhookChannelState | undefined) => {
    if (options.cacheTtlMs <= 0) return;
    if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
    cache.set(channelId, { at: now(), state });
  };
  return {
    async read(channelId, readOptions = {}) {
      const hit = cache.get(channelId);
      if (!readOptions.fresh && hit && now() - hit.at < options.cacheTtlMs) {
        return { state: hit.state, cached: true };
      }
      const result = await options.client.send(
        new GetCommand({
          TableName: options.tableName,
          Key: { pk: keys.channel(channelId) },
          ConsistentRead: readOptions.fresh === true,
          ProjectionExpression: '#token, #status, #generation, #require, #signed',
          ExpressionAttributeNames: {
            '#token': 'token',
            '#status': 'status',
            '#generation': 'generation',
            '#require': 'requireSignature',
            '#signed': 'signedSince',
          },
        }),
      );
      const item = result.Item;
      const token = item?.token;
      let state: WebhookChannelState | undefined;
      if (item && typeof token === 'string' && token.length > 0 && typeof item.generation === 'number') {
        registerSecret(token);
        const signedSeen = typeof item.signedSince === 'string';
        state = {
          token,
          active: item.status === 'active',
          generation: item.generation,
          signatureRequired: item.requireSignature === true || signedSeen,
          signedSeen,
        };
      }
      remember(channelId, state);
      return { state, cached: false };
    },

    async markSigned(channelId, generation, at) {
      try {
        await options.client.send(
          new UpdateCommand({
            TableName: options.tableName,
            Key: { pk: keys.channel(channelId) },
            UpdateExpression: 'SET #signed = if_not_exists(#signed, :at)',
            // Only for the account that signed: an account change (new generation) starts unsigned.
            ConditionExpression: 'attribute_exists(pk) AND #generation = :generation',
            ExpressionAttributeNames: { '#signed': 'signedSince', '#generation': 'generation' },
            ExpressionAttributeValues: { ':at': at, ':generation': generation },
          }),
        );
      } catch (err) {
        if ((err as { name?: string }).name !== 'ConditionalCheckFailedException') throw err;
        return;
      }
      const hit = cache.get(channelId);
      if (hit?.state && hit.state.generation === generation) {
        hit.state = { ...hit.state, signatureRequired: true, signedSeen: true };
      }
    },
  };
}
