/**
 * How a channel is stored, and a cached reader for the hot paths (webhook signature check, worker,
 * reply function). The management store (channel-store.ts) writes items in this same format.
 */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { CHANNEL_TYPE, type Channel } from '../../domain/channel';
import type { ChannelReadOptions } from '../../outbound/ports';
import { registerSecret } from '../../redaction';
import '../../zod-en';
import { keys } from './table-definition';

const channelItemSchema = z.object({
  pk: z.string(),
  id: z.string(),
  agentId: z.string(),
  type: z.literal(CHANNEL_TYPE),
  name: z.string(),
  apiUrl: z.string(),
  token: z.string(),
  operatorId: z.optional(z.string()),
  serviceMessages: z.boolean(),
  /** Absent on items written before the field existed: false. */
  requireSignature: z._default(z.boolean(), false),
  signedSince: z.optional(z.string()),
  status: z.enum(['inactive', 'active']),
  generation: z.number().check(z.int(), z.nonnegative()),
  webhookId: z.optional(z.string()),
  /** HMAC of type + token, present while the channel holds the token lock (active). */
  tokenHash: z.optional(z.string()),
  version: z.number().check(z.int(), z.positive()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ChannelItem = z.infer<typeof channelItemSchema>;

export function toChannelItem(channel: Channel, tokenHash?: string): ChannelItem {
  const item: ChannelItem = { pk: keys.channel(channel.id), ...channel };
  if (tokenHash !== undefined) item.tokenHash = tokenHash;
  return item;
}

export function fromChannelItem(raw: Record<string, unknown>): Channel {
  const { pk: _pk, tokenHash: _hash, ...channel } = channelItemSchema.parse(raw);
  registerSecret(channel.token);
  return channel;
}

export interface ChannelReader {
  /** The channel, or undefined when there is none (deleted or never existed). */
  get(channelId: string, options?: ChannelReadOptions): Promise<Channel | undefined>;
}

export interface ChannelReaderOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** How long an active channel is reused; 0 disables the cache. */
  cacheTtlMs: number;
  now?: () => number;
}

/**
 * Reads channels with a short per-process cache. The cache only ever serves an active channel at
 * least as new as the caller's message: a miss, "inactive", or an older generation than asked for,
 * whether from the cache or from an eventually consistent read, is read again from the table
 * (consistently) before it is believed, so a channel activated or
 * moved to another account a moment ago is never refused or served stale. What the cache can
 * still serve for up to `cacheTtlMs` is a channel deactivated since; deactivation is not carried by
 * any message (docs/RUNBOOK.md, "How fast a change takes effect").
 */
export function createChannelReader(options: ChannelReaderOptions): ChannelReader {
  const now = options.now ?? Date.now;
  const cache = new Map<string, { at: number; channel: Channel | undefined }>();
  const MAX_ENTRIES = 1000;
  return {
    async get(channelId, readOptions = {}) {
      const hit = cache.get(channelId);
      const live = hit && options.cacheTtlMs > 0 && now() - hit.at < options.cacheTtlMs;
      const servable =
        live &&
        !readOptions.fresh &&
        hit.channel?.status === 'active' &&
        (readOptions.generation === undefined || hit.channel.generation >= readOptions.generation);
      if (servable) return hit.channel;
      const load = async (consistent: boolean) => {
        const result = await options.client.send(
          new GetCommand({
            TableName: options.tableName,
            Key: { pk: keys.channel(channelId) },
            ConsistentRead: consistent,
          }),
        );
        return result.Item ? fromChannelItem(result.Item) : undefined;
      };
      // A re-check of something the cache holds must see the latest write.
      const consistent = Boolean(live || readOptions.fresh);
      let channel = await load(consistent);
      // An eventually consistent read may predate an activation or an account change made a moment
      // ago: a refusal (missing, inactive, older than the message) is believed only when consistent.
      const refuses =
        channel?.status !== 'active' ||
        (readOptions.generation !== undefined && channel.generation < readOptions.generation);
      if (!consistent && refuses) channel = await load(true);
      if (options.cacheTtlMs > 0) {
        if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
        cache.set(channelId, { at: now(), channel });
      }
      return channel;
    },
  };
}
