import type { SQSRecord } from 'aws-lambda';
import {
  comeBackAfterSeconds,
  HAND_BACKS_AT_MOST,
  shareByChannel,
} from '../../../functions/worker/channel-bound';
import { createPerKeyLimit } from '../../../shared/per-key-limit';

let n = 0;
function record(channelId: string, group: string, receiveCount = 1): SQSRecord {
  n += 1;
  return {
    messageId: `m${n}`,
    receiptHandle: `r${n}`,
    body: JSON.stringify({ v: 1, channelId, generation: 1, receivedAt: '', body: '{}' }),
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: '0',
      SenderId: 'x',
      ApproximateFirstReceiveTimestamp: '0',
      MessageGroupId: group,
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn',
    awsRegion: 'us-east-1',
  };
}

describe('conversations per channel in a worker instance', () => {
  it('keeps at most the bound of one channel, whole conversations, and every other channel', () => {
    const limit = createPerKeyLimit(2);
    const records = [
      record('A', 'A:1'),
      record('A', 'A:1'),
      record('A', 'A:2'),
      record('A', 'A:3'),
      record('B', 'B:1'),
      record('A', 'A:3'),
      record('x', 'bad'),
    ];
    records[6]!.body = 'not json';
    const share = shareByChannel(records, limit);
    expect(share.kept.map((r) => r.attributes.MessageGroupId)).toEqual(['A:1', 'A:1', 'A:2', 'B:1', 'bad']);
    expect(share.handedBack).toEqual([{ records: [records[3], records[5]], seconds: 1 }]);
    // Another batch of the same instance meanwhile: A is at its bound.
    const next = shareByChannel([record('A', 'A:4', 3), record('B', 'B:2')], limit);
    expect(next.kept.map((r) => r.attributes.MessageGroupId)).toEqual(['B:2']);
    expect(next.handedBack.map((h) => h.seconds)).toEqual([4]);
    share.release();
    next.release();
    expect(limit.running('A')).toBe(0);
    expect(limit.running('B')).toBe(0);
  });

  it('a record handed back HAND_BACKS_AT_MOST times runs even over the bound (never DLQ for fairness)', () => {
    const limit = createPerKeyLimit(1);
    const first = shareByChannel([record('A', 'A:1')], limit);
    const late = shareByChannel(
      [record('A', 'A:2', HAND_BACKS_AT_MOST + 1), record('A', 'A:3', HAND_BACKS_AT_MOST)],
      limit,
    );
    expect(late.kept.map((r) => r.attributes.MessageGroupId)).toEqual(['A:2']);
    expect(late.handedBack).toHaveLength(1);
    first.release();
    late.release();
  });

  it('comes back after 1, 2, 4, 8, 16 s', () => {
    expect([1, 2, 3, 4, 5, 9].map(comeBackAfterSeconds)).toEqual([1, 2, 4, 8, 16, 16]);
  });
});
