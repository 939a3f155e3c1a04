/**
 * One tenant cannot hold everyone's capacity (DESIGN §3 inv. 12). A FIFO batch is made of whole
 * conversations (SQS hands out as many messages of one group as it can), each run in order, so a
 * batch holding many conversations of a channel with a slow agent holds the invocation, and the
 * capacity to receive anyone else's messages, for as long as the slowest of them. So a worker
 * instance holds at most CONVERSATIONS_PER_CHANNEL conversations of one channel at once, over all
 * the batches it has in flight: the channel's further conversations in a batch are handed back
 * whole (every record of the group in the batch, so FIFO order holds) and come back after a while,
 * and the queue meanwhile hands out other conversations, so another channel's messages are
 * received and answered while a flooding channel's backlog drains at its bound.
 *
 * Each hand-back is a receive, and `maxReceiveCount` counts receives: the while grows with the
 * record's receive count (1 s, 2 s, 4 s, 8 s, 16 s), and a record received HAND_BACKS_AT_MOST
 * times already is run even over the bound, so fairness never sends a message to the DLQ. Records
 * without a readable envelope are never held back (the use case rejects them).
 * docs/INBOUND.md, "Fairness between channels".
 */
import type { SQSRecord } from 'aws-lambda';
import { INBOUND_QUEUE } from '../../shared/adapters/sqs/queue-definitions';
import type { PerKeyLimit } from '../../shared/per-key-limit';

/** Conversations of one channel a worker instance holds at once: half a batch. */
export const CONVERSATIONS_PER_CHANNEL = 5;
/** Receives a record may spend on being handed back; the rest are kept for real failures. */
export const HAND_BACKS_AT_MOST = INBOUND_QUEUE.maxReceiveCount - 5;

/** The channel a queued inbound record belongs to, from its envelope; undefined if unreadable. */
export function channelOf(body: string): string | undefined {
  try {
    const channelId = (JSON.parse(body) as { channelId?: unknown }).channelId;
    return typeof channelId === 'string' && channelId !== '' ? channelId : undefined;
  } catch {
    return undefined;
  }
}

/** Seconds a handed-back conversation stays away, by the receive count of its first record. */
export function comeBackAfterSeconds(receiveCount: number): number {
  const n = Number.isFinite(receiveCount) && receiveCount > 1 ? Math.min(receiveCount - 1, 4) : 0;
  return 2 ** n;
}

export interface ChannelShare {
  /** Records to run now, in their batch order. */
  kept: SQSRecord[];
  /** Conversations handed back: their records and when they come back. */
  handedBack: { records: SQSRecord[]; seconds: number }[];
  /** Frees the kept conversations' places (when the batch is done). */
  release(): void;
}

export function shareByChannel(records: SQSRecord[], limit: PerKeyLimit): ChannelShare {
  const groups = new Map<string, SQSRecord[]>();
  for (const record of records) {
    const group = record.attributes.MessageGroupId ?? record.messageId;
    groups.set(group, [...(groups.get(group) ?? []), record]);
  }
  const keptGroups = new Set<string>();
  const handedBack: ChannelShare['handedBack'] = [];
  const releases: (() => void)[] = [];
  for (const [group, groupRecords] of groups) {
    const first = groupRecords[0] as SQSRecord;
    const channelId = channelOf(first.body);
    const receiveCount = Number(first.attributes.ApproximateReceiveCount);
    const release = channelId === undefined ? () => undefined : limit.tryAcquire(channelId);
    if (release) {
      releases.push(release);
      keptGroups.add(group);
    } else if (receiveCount > HAND_BACKS_AT_MOST) {
      keptGroups.add(group);
    } else {
      handedBack.push({ records: groupRecords, seconds: comeBackAfterSeconds(receiveCount) });
    }
  }
  return {
    kept: records.filter((r) => keptGroups.has(r.attributes.MessageGroupId ?? r.messageId)),
    handedBack,
    release: () => {
      for (const release of releases.splice(0)) release();
    },
  };
}
