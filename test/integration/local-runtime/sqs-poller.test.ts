/**
 * The local SQS event source mapping against fauxqs, with stand-in functions: partial batch
 * failures, thrown errors, timeouts, visibility timeout, DLQ redrive, FIFO order with two pollers.
 */
import { createHash } from 'node:crypto';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { ensureQueue, type QueuePair } from '../../../infra/local/runtime/bootstrap';
import {
  failedRecordIds,
  type SqsPoller,
  startSqsPoller,
  toSqsEvent,
} from '../../../infra/local/runtime/sqs-poller';
import { INBOUND_QUEUE } from '../../../shared/adapters/sqs/queue-definitions';
import { testSqsClient, uniqueName } from '../../support/aws';

const sqs = testSqsClient();
const pollers: SqsPoller[] = [];
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
});
afterAll(() => sqs.destroy());

async function queue(visibilityTimeoutSeconds = 1, maxReceiveCount = 3): Promise<QueuePair> {
  return ensureQueue(sqs, uniqueName('lr'), INBOUND_QUEUE, { visibilityTimeoutSeconds, maxReceiveCount });
}

let sequence = 0;
async function send(q: QueuePair, body: string, group: string): Promise<void> {
  sequence += 1;
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: q.url,
      MessageBody: body,
      MessageGroupId: group,
      MessageDeduplicationId: `d-${sequence}-${body}`,
    }),
  );
}

type Handler = (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;

function poll(q: QueuePair, handler: Handler, extra: { timeoutMs?: number; concurrency?: number } = {}) {
  const problems: string[] = [];
  const poller = startSqsPoller({
    sqs,
    queueUrl: q.url,
    queueArn: q.arn,
    region: 'us-east-1',
    fn: { functionName: 'test-worker', timeoutMs: extra.timeoutMs ?? 10_000 },
    handler: (event) => handler(event),
    concurrency: extra.concurrency ?? 2,
    waitTimeSeconds: 1,
    report: (line) => problems.push(line),
  });
  pollers.push(poller);
  return { poller, problems };
}

/** Waits until `check` holds; gives up after `timeoutMs` (so a failing test ends, and jest with it). */
async function until(check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function receiveAll(url: string): Promise<string[]> {
  const bodies: string[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    bodies.push(...(r.Messages ?? []).map((m) => m.Body ?? ''));
  }
  return bodies;
}

describe('SQS poller (Lambda event source mapping, locally)', () => {
  it('builds a real SQSEvent: source ARN, region, FIFO attributes, md5 of the body', async () => {
    const q = await queue();
    const records: SQSRecord[] = [];
    poll(q, async (event) => {
      records.push(...event.Records);
      return { batchItemFailures: [] };
    });
    await send(q, 'hello record', 'conv-1');
    await until(() => records.length === 1);
    const record = records[0]!;
    expect(record.eventSource).toBe('aws:sqs');
    expect(record.eventSourceARN).toBe(q.arn);
    expect(record.awsRegion).toBe('us-east-1');
    expect(record.body).toBe('hello record');
    expect(record.md5OfBody).toBe(createHash('md5').update('hello record').digest('hex'));
    expect(record.attributes.MessageGroupId).toBe('conv-1');
    expect(record.attributes.MessageDeduplicationId).toMatch(/^d-\d+-hello record$/);
    expect(record.attributes.ApproximateReceiveCount).toBe('1');
    expect(record.attributes.SequenceNumber).toBeDefined();
    expect(record.receiptHandle).toBeTruthy();
  });

  it('deletes the successes and redelivers only the reported failures after the visibility timeout', async () => {
    const q = await queue(1);
    const deliveries: { body: string; count: string }[] = [];
    const { poller } = poll(q, async (event) => {
      const failures: SQSBatchResponse['batchItemFailures'] = [];
      for (const r of event.Records) {
        deliveries.push({ body: r.body, count: r.attributes.ApproximateReceiveCount });
        if (r.body === 'flaky' && r.attributes.ApproximateReceiveCount === '1') {
          failures.push({ itemIdentifier: r.messageId });
        }
      }
      return { batchItemFailures: failures };
    });
    await send(q, 'steady-1', 'g1');
    await send(q, 'flaky', 'g2');
    await send(q, 'steady-2', 'g3');
    await until(() => deliveries.some((d) => d.body === 'flaky' && d.count === '2'));
    await until(() => poller.inFlight() === 0 && poller.stats.succeeded === 3);
    expect(deliveries.filter((d) => d.body === 'steady-1')).toEqual([{ body: 'steady-1', count: '1' }]);
    expect(deliveries.filter((d) => d.body === 'steady-2')).toEqual([{ body: 'steady-2', count: '1' }]);
    expect(deliveries.filter((d) => d.body === 'flaky').map((d) => d.count)).toEqual(['1', '2']);
    expect(poller.stats.failed).toBe(1);
    await poller.stop();
    expect(await receiveAll(q.url)).toEqual([]);
  });

  it('never loses a batch when the function throws: every record comes back', async () => {
    const q = await queue(1);
    let calls = 0;
    const handled: string[] = [];
    const { poller, problems } = poll(q, async (event) => {
      calls += 1;
      if (calls === 1) throw new Error('cold start failed');
      handled.push(...event.Records.map((r) => r.body));
      return undefined;
    });
    await send(q, 'a', 'g1');
    await until(() => handled.includes('a'));
    await until(() => poller.stats.succeeded === 1);
    expect(poller.stats.batchErrors).toBe(1);
    expect(problems.some((p) => p.includes('cold start failed'))).toBe(true);
    await poller.stop();
    expect(await receiveAll(q.url)).toEqual([]);
  });

  it('fails the whole batch when batchItemFailures names a record that is not in it', async () => {
    const q = await queue(1);
    const counts: string[] = [];
    const { poller, problems } = poll(q, async (event) => {
      counts.push(...event.Records.map((r) => r.attributes.ApproximateReceiveCount));
      return counts.length === 1 ? { batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] } : undefined;
    });
    await send(q, 'x', 'g1');
    await until(() => poller.stats.succeeded === 1);
    expect(counts).toEqual(['1', '2']);
    expect(problems.some((p) => p.includes('whole batch failed'))).toBe(true);
  });

  it('treats a run past the function timeout as a failed batch', async () => {
    const q = await queue(1);
    let calls = 0;
    const { poller, problems } = poll(
      q,
      async () => {
        calls += 1;
        if (calls === 1) await new Promise((r) => setTimeout(r, 600));
        return undefined;
      },
      { timeoutMs: 200 },
    );
    await send(q, 'slow', 'g1');
    await until(() => poller.stats.succeeded === 1);
    expect(calls).toBe(2);
    expect(poller.stats.batchErrors).toBe(1);
    expect(problems.some((p) => p.includes('timed out'))).toBe(true);
  });

  it('moves a record that keeps failing to the DLQ after maxReceiveCount receives', async () => {
    const q = await queue(1, 2);
    const counts: string[] = [];
    poll(q, async (event) => {
      counts.push(...event.Records.map((r) => r.attributes.ApproximateReceiveCount));
      return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
    });
    await send(q, 'poison', 'g1');
    let inDlq: string[] = [];
    await until(async () => {
      inDlq = inDlq.concat(await receiveAll(q.dlqUrl));
      return inDlq.length > 0;
    });
    expect(inDlq).toEqual(['poison']);
    expect(counts).toEqual(['1', '2']);
  }, 20_000);

  it('keeps the order within a message group with two pollers, while other groups go on', async () => {
    const q = await queue(5);
    const seen: string[] = [];
    poll(
      q,
      async (event) => {
        for (const r of event.Records) {
          seen.push(r.body);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        return undefined;
      },
      { concurrency: 2 },
    );
    for (let i = 0; i < 5; i++) {
      await send(q, `a${i}`, 'A');
      await send(q, `b${i}`, 'B');
    }
    await until(() => seen.length === 10);
    expect(seen.filter((b) => b.startsWith('a'))).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
    expect(seen.filter((b) => b.startsWith('b'))).toEqual(['b0', 'b1', 'b2', 'b3', 'b4']);
  });

  it('stops receiving on stop(), leaving later messages on the queue', async () => {
    const q = await queue(1);
    const handled: string[] = [];
    const { poller } = poll(q, async (event) => {
      handled.push(...event.Records.map((r) => r.body));
      return undefined;
    });
    await poller.stop();
    await send(q, 'after-stop', 'g1');
    // An aborted long poll may still take the message on the emulator's side: it then comes back
    // after the 1 s visibility timeout, which is what "left on the queue" means.
    let left: string[] = [];
    await until(async () => {
      left = left.concat(await receiveAll(q.url));
      return left.length > 0;
    });
    expect(left).toEqual(['after-stop']);
    expect(handled).toEqual([]);
  });
});

describe('Lambda rules for batch responses', () => {
  const event = toSqsEvent(
    [
      { MessageId: 'm1', ReceiptHandle: 'h1', Body: 'one' },
      { MessageId: 'm2', ReceiptHandle: 'h2', Body: 'two' },
    ],
    'arn:aws:sqs:us-east-1:000000000000:q.fifo',
    'us-east-1',
  );

  it('reads no response or an empty list as all succeeded', () => {
    expect(failedRecordIds(undefined, event)).toEqual(new Set());
    expect(failedRecordIds({ batchItemFailures: [] }, event)).toEqual(new Set());
  });

  it('reads the listed identifiers as failed', () => {
    expect(failedRecordIds({ batchItemFailures: [{ itemIdentifier: 'm2' }] }, event)).toEqual(
      new Set(['m2']),
    );
  });

  it('fails the whole batch on an unknown or empty identifier', () => {
    expect(failedRecordIds({ batchItemFailures: [{ itemIdentifier: 'zz' }] }, event)).toBeUndefined();
    expect(failedRecordIds({ batchItemFailures: [{ itemIdentifier: '' }] }, event)).toBeUndefined();
  });
});
