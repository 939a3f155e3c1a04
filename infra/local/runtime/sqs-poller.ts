/**
 * Lambda's SQS event source mapping, done on this machine: long-poll a queue, hand batches of up
 * to 10 to the function as a real `SQSEvent`, and delete only what succeeded.
 *
 * Lambda's rules, kept here:
 * - the function returns `{ batchItemFailures: [{ itemIdentifier }] }`: those records stay on the
 *   queue (invisible until their visibility timeout, then received again); all others are deleted;
 * - the function throws or times out: the whole batch fails, nothing is deleted;
 * - a failure entry that names no record of the batch fails the whole batch;
 * - the DLQ move after `maxReceiveCount` receives is the queue's own RedrivePolicy (SQS/fauxqs).
 * Several pollers per queue keep several batches in flight; FIFO order holds because a FIFO queue
 * hands out no message of a group while another of the same group is in flight.
 */
import { createHash } from 'node:crypto';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type {
  SQSBatchResponse,
  SQSEvent,
  SQSMessageAttributes,
  SQSRecord,
  SQSRecordAttributes,
} from 'aws-lambda';
import { invokeLocally, type LambdaHandler, type LocalFunction } from './lambda-context';

export const MAX_BATCH_SIZE = 10;

export interface SqsPollerOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  region: string;
  fn: LocalFunction;
  handler: LambdaHandler<SQSEvent, SQSBatchResponse | undefined>;
  /** Records per batch, 1..10 (default 10). */
  batchSize?: number;
  /** Batches in flight at once (default 2), like Lambda's concurrent pollers. */
  concurrency?: number;
  /** Long-poll wait, 0..20 s (default 20). */
  waitTimeSeconds?: number;
  /** Called with one line per problem (ids only, never bodies). */
  report?: (line: string) => void;
}

export interface PollerStats {
  batches: number;
  /** Records deleted after the function succeeded on them. */
  succeeded: number;
  /** Records left on the queue because the function failed on them. */
  failed: number;
  /** Whole batches the function threw on (or timed out). */
  batchErrors: number;
}

export interface SqsPoller {
  readonly stats: PollerStats;
  /** Batches being handled right now. */
  inFlight(): number;
  /**
   * Stops receiving and waits up to `graceMs` for batches in flight (what is unfinished comes
   * back after its visibility timeout). Pending long polls are let finish and whatever they return
   * is released at once; with `abortReceives` they are cut instead (for an emulator that stops
   * right after: an aborted long poll may still take a message on the server's side, which then
   * stays invisible for the visibility timeout).
   */
  stop(options?: number | { graceMs?: number; abortReceives?: boolean }): Promise<void>;
}

function toRecordAttributes(attributes: Record<string, string> | undefined): SQSRecordAttributes {
  const a = attributes ?? {};
  const now = String(Date.now());
  const result: SQSRecordAttributes = {
    ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
    SentTimestamp: a.SentTimestamp ?? now,
    SenderId: a.SenderId ?? '000000000000',
    ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? now,
  };
  if (a.SequenceNumber) result.SequenceNumber = a.SequenceNumber;
  if (a.MessageGroupId) result.MessageGroupId = a.MessageGroupId;
  if (a.MessageDeduplicationId) result.MessageDeduplicationId = a.MessageDeduplicationId;
  if (a.AWSTraceHeader) result.AWSTraceHeader = a.AWSTraceHeader;
  if (a.DeadLetterQueueSourceArn) result.DeadLetterQueueSourceArn = a.DeadLetterQueueSourceArn;
  return result;
}

function toRecordMessageAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
): SQSMessageAttributes {
  const result: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    result[name] = {
      dataType: value.DataType ?? 'String',
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((b) => Buffer.from(b).toString('base64')),
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined
        ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }
        : {}),
    };
  }
  return result;
}

/** The `SQSEvent` Lambda would build from one ReceiveMessage answer. */
export function toSqsEvent(messages: Message[], queueArn: string, region: string): SQSEvent {
  const records: SQSRecord[] = messages.map((m) => {
    const body = m.Body ?? '';
    const record: SQSRecord = {
      messageId: m.MessageId ?? '',
      receiptHandle: m.ReceiptHandle ?? '',
      body,
      attributes: toRecordAttributes(m.Attributes),
      messageAttributes: toRecordMessageAttributes(m.MessageAttributes),
      md5OfBody: m.MD5OfBody ?? createHash('md5').update(body, 'utf8').digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: region,
    };
    if (m.MD5OfMessageAttributes) record.md5OfMessageAttributes = m.MD5OfMessageAttributes;
    return record;
  });
  return { Records: records };
}

/**
 * Which records failed, by Lambda's rules. `undefined` means the whole batch failed (the
 * response names a record that is not in the batch, or has an entry without an identifier).
 */
export function failedRecordIds(
  result: SQSBatchResponse | undefined,
  event: SQSEvent,
): Set<string> | undefined {
  const failures = result && typeof result === 'object' ? result.batchItemFailures : undefined;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return undefined;
  const ids = new Set(event.Records.map((r) => r.messageId));
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = failure?.itemIdentifier;
    if (typeof id !== 'string' || !ids.has(id)) return undefined;
    failed.add(id);
  }
  return failed;
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'RequestAbortedError');
}

export function startSqsPoller(options: SqsPollerOptions): SqsPoller {
  const batchSize = Math.min(Math.max(options.batchSize ?? MAX_BATCH_SIZE, 1), MAX_BATCH_SIZE);
  const concurrency = Math.max(options.concurrency ?? 2, 1);
  const waitTimeSeconds = options.waitTimeSeconds ?? 20;
  const report = options.report ?? ((line: string) => process.stderr.write(`${line}\n`));
  const stats: PollerStats = { batches: 0, succeeded: 0, failed: 0, batchErrors: 0 };
  const abort = new AbortController();
  let running = 0;
  let stopped = false;

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      abort.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });

  async function handleBatch(messages: Message[]): Promise<void> {
    const event = toSqsEvent(messages, options.queueArn, options.region);
    let failed: Set<string> | undefined;
    try {
      const result = await invokeLocally(options.fn, options.handler, event, options.region);
      failed = failedRecordIds(result, event);
      if (failed === undefined) {
        report(
          `${options.fn.functionName}: batchItemFailures names no record of the batch; whole batch failed`,
        );
      }
    } catch (err) {
      // Lambda: a thrown error (or a timeout) fails the whole batch; every record comes back later.
      stats.batchErrors += 1;
      const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      report(
        `${options.fn.functionName}: batch of ${messages.length} failed (${reason}); records return after the visibility timeout`,
      );
    }
    stats.batches += 1;
    const failedIds = failed ?? new Set(event.Records.map((r) => r.messageId));
    const done = messages.filter((m) => !failedIds.has(m.MessageId ?? ''));
    stats.failed += messages.length - done.length;
    if (done.length === 0) return;
    try {
      const deleted = await options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: options.queueUrl,
          Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
      stats.succeeded += done.length - (deleted.Failed?.length ?? 0);
      for (const f of deleted.Failed ?? []) {
        report(
          `${options.fn.functionName}: could not delete a handled record (${f.Code}); it will be redelivered`,
        );
      }
    } catch (err) {
      report(
        `${options.fn.functionName}: could not delete ${done.length} handled record(s) (${(err as Error).name}); they will be redelivered`,
      );
    }
  }

  /** Hands messages received after stop() straight back to the queue. */
  async function release(messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    await options.sqs
      .send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: options.queueUrl,
          Entries: messages.map((m, i) => ({
            Id: String(i),
            ReceiptHandle: m.ReceiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      )
      .catch(() => undefined); // not released: they come back after the visibility timeout
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      let messages: Message[];
      try {
        const received = await options.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: options.queueUrl,
            MaxNumberOfMessages: batchSize,
            WaitTimeSeconds: waitTimeSeconds,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: abort.signal },
        );
        messages = received.Messages ?? [];
        if (stopped) {
          await release(messages);
          break;
        }
      } catch (err) {
        if (stopped || isAbort(err)) break;
        report(`${options.fn.functionName}: receive failed (${(err as Error).name}); retrying in 1 s`);
        await pause(1000);
        continue;
      }
      if (messages.length === 0) continue;
      running += 1;
      try {
        await handleBatch(messages);
      } finally {
        running -= 1;
      }
    }
  }

  const loops = Array.from({ length: concurrency }, () => loop());
  const all = Promise.allSettled(loops);

  return {
    stats,
    inFlight: () => running,
    async stop(stopOptions = {}) {
      // A bare number is the grace period (the first form of this API).
      const { graceMs = (waitTimeSeconds + 5) * 1000, abortReceives = false } =
        typeof stopOptions === 'number' ? { graceMs: stopOptions } : stopOptions;
      if (stopped) return;
      stopped = true;
      if (abortReceives) abort.abort();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        all,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, graceMs);
        }),
      ]);
      clearTimeout(timer);
      abort.abort();
    },
  };
}
