/**
 * The queues, defined once: the CDK stack and the local stack (fauxqs) build them from here.
 * High-throughput FIFO: dedup scope and throughput limit per message group (one conversation).
 */
import { VISIBILITY_TIMEOUT_SECONDS } from '../../timeouts';

export interface QueueDefinition {
  /** Logical name; the physical name adds a prefix and `.fifo`. */
  name: 'inbound' | 'outbound';
  visibilityTimeoutSeconds: number;
  /** Receives before a message moves to the DLQ. */
  maxReceiveCount: number;
  retentionDays: number;
}

export const INBOUND_QUEUE: QueueDefinition = {
  name: 'inbound',
  // Six times the worker timeout (shared/timeouts.ts): also the backoff of a timed-out agent call.
  visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_SECONDS.inbound,
  // A backstop for crashes and poison: failures are decided by the worker (a permanent one goes to
  // the DLQ at once; agent calls without an answer are capped per message). Records put back for
  // lack of time are received again too, so the count leaves room for a slow stretch.
  maxReceiveCount: 10,
  retentionDays: 4,
};

export const OUTBOUND_QUEUE: QueueDefinition = {
  name: 'outbound',
  visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_SECONDS.outbound,
  maxReceiveCount: 8,
  retentionDays: 4,
};

export const DLQ_RETENTION_DAYS = 14;

/** SQS attributes shared by AWS and the emulator. */
export const FIFO_ATTRIBUTES = {
  FifoQueue: 'true',
  DeduplicationScope: 'messageGroup',
  FifoThroughputLimit: 'perMessageGroupId',
} as const;

/**
 * Inbound shards: the inbound queue is `INBOUND_SHARDS` FIFO queues, and a channel's events are
 * always on shard `inboundShardOf(channelId)` (shared/inbound/shards.ts), so one channel's flood
 * fills one shard and its worker capacity, not everybody's (docs/DEPLOY.md, "Inbound shards").
 * Shard 0 is the queue `inbound` (as before shards), shard i the queue `inbound-<i>`; all share
 * the inbound DLQ. The deployment's count is the deploy parameter `inboundShards`.
 */
export const DEFAULT_INBOUND_SHARDS = 4;
export const MAX_INBOUND_SHARDS = 16;

/** The logical name of inbound shard `shard` (0 → `inbound`). */
export function inboundShardName(shard: number): string {
  return shard === 0 ? INBOUND_QUEUE.name : `${INBOUND_QUEUE.name}-${shard}`;
}

export function fifoQueueName(prefix: string, name: string, dlq = false): string {
  return `${prefix}-${name}${dlq ? '-dlq' : ''}.fifo`;
}
