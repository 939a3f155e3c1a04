/**
 * Which inbound shard a channel's events go to: a fixed function of the channel id and the shard
 * count, the same in the webhook (which queues) and the reply function (which queues a
 * `c2d: no operators online` event). A channel never changes shard while the count stays the
 * same, so its conversations keep their order (docs/DEPLOY.md, "Inbound shards").
 */
import { createHash } from 'node:crypto';

export function inboundShardOf(channelId: string, shards: number): number {
  const count = Number.isFinite(shards) ? Math.max(1, Math.floor(shards)) : 1;
  if (count === 1) return 0;
  return createHash('sha256').update(channelId, 'utf8').digest().readUInt32BE(0) % count;
}

/** The queue URL of a channel's shard, of the shard URLs in shard order. */
export function inboundQueueUrlOf(channelId: string, shardUrls: readonly string[]): string {
  if (shardUrls.length === 0) throw new Error('no inbound queue URL');
  return shardUrls[inboundShardOf(channelId, shardUrls.length)]!;
}
