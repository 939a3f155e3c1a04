/**
 * How a channel is stored, and a cached reader for the hot paths (webhook signature check, worker,
 * reply function). The management store (channel-store.ts) writes items in this same format.
 */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { CHANNEL_TYPE, type Channel } from '../../domain/channel';
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
  get(channelId: string): Promise<Channel | undefined>;
}

export interface ChannelReaderOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** How long a read is reused; short, so deactivation takes effect quickly. 0 disables the cache. */
  cacheTtlMs: number;
  now?: () => number;
}

/** Reads channels with a short per-process cache (misses are cached too: unknown ids cost no I/O). */
export function createChannelReader(options: ChannelReaderOptions): ChannelReader {
  const now = options.now ?? Date.now;
  const cache = new Map<string, { at: number; channel: Channel | undefined }>();
  const MAX_ENTRIES = 1000;
  return {
    async get(channelId) {
      const hit = cache.get(channelId);
      if (hit && options.cacheTtlMs > 0 && now() - hit.at < options.cacheTtlMs) return hit.channel;
      const result = await options.client.send(
        new GetCommand({ TableName: options.tableName, Key: { pk: keys.channel(channelId) } }),
      );
      const channel = result.Item ? fromChannelItem(result.Item) : undefined;
      if (options.cacheTtlMs > 0) {
        if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
        cache.set(channelId, { at: now(), channel });
      }
      return channel;
    },
  };
}
