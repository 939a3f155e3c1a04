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

export function fifoQueueName(prefix: string, name: string, dlq = false): string {
  return `${prefix}-${name}${dlq ? '-dlq' : ''}.fifo`;
}
