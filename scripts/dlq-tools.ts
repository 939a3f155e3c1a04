/**
 * Dead-letter queue tools (used by scripts/dlq-peek.ts and scripts/dlq-redrive.ts; see
 * docs/RUNBOOK.md).
 *
 * peek: receives with a short visibility timeout until the DLQ has nothing more to show, then makes
 *   every message it saw visible again at once (ChangeMessageVisibility 0), and reports the queue's
 *   approximate total. Nothing is deleted; the DLQs have no redrive policy, so the receive count a
 *   peek adds moves nothing anywhere. FIFO limits what any reader can see without consuming: while
 *   a message of a group is received, later messages of that group are not returned. A peek shows
 *   the first message(s) of every group (what blocks each conversation) — on AWS a receive may return
 *   several of one group, on the emulator one — and the total says how many are behind them.
 * redrive: moves messages back to their source queue keeping their message group (order within a
 *   group is kept: each group is sent in the order the DLQ returns it), each with a new
 *   deduplication id `redrive-<DLQ message id>` (the original id would be dropped as a duplicate
 *   within SQS's 5-minute window; this one makes a re-run after a crash harmless), and deletes
 *   each from the DLQ only after its send succeeded. Each moved message carries the attribute
 *   `RedrivenFrom` = its DLQ message id: the worker counts the agent calls of a redriven message
 *   afresh (a message dead-lettered because the agent hung is tried again). A message that reached
 *   the DLQ after the redrive started (one that failed again meanwhile) is left there, so a redrive
 *   whose cause is not fixed ends instead of moving the same message round and round. With inbound
 *   shards (one DLQ for all), each message goes back to its channel's shard.
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { REDRIVEN_FROM_ATTRIBUTE } from '../shared/adapters/sqs/dead-letters';
import {
  fifoQueueName,
  inboundShardName,
  MAX_INBOUND_SHARDS,
} from '../shared/adapters/sqs/queue-definitions';
import { inboundQueueUrlOf } from '../shared/inbound/shards';

export interface DeadLetter {
  messageId: string;
  groupId?: string;
  deduplicationId?: string;
  sentAt?: string;
  receiveCount?: number;
  body: string;
  attributes?: Record<string, MessageAttributeValue>;
}

function toDeadLetter(m: Message): DeadLetter {
  const sent = m.Attributes?.SentTimestamp;
  const count = m.Attributes?.ApproximateReceiveCount;
  return {
    messageId: m.MessageId ?? '',
    ...(m.Attributes?.MessageGroupId ? { groupId: m.Attributes.MessageGroupId } : {}),
    ...(m.Attributes?.MessageDeduplicationId ? { deduplicationId: m.Attributes.MessageDeduplicationId } : {}),
    ...(sent ? { sentAt: new Date(Number(sent)).toISOString() } : {}),
    ...(count ? { receiveCount: Number(count) } : {}),
    body: m.Body ?? '',
    ...(m.MessageAttributes && Object.keys(m.MessageAttributes).length > 0
      ? { attributes: m.MessageAttributes }
      : {}),
  };
}

async function receiveBatch(client: SQSClient, queueUrl: string, visibilitySeconds: number, max: number) {
  const result = await client.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: Math.min(10, Math.max(1, max)),
      VisibilityTimeout: visibilitySeconds,
      WaitTimeSeconds: 1,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    }),
  );
  return result.Messages ?? [];
}

export interface PeekOptions {
  client: SQSClient;
  queueUrl: string;
  /** Stop after this many messages. */
  max?: number;
  /** How long seen messages stay hidden while the peek runs (they are released at the end). */
  visibilitySeconds?: number;
  /** Empty receives in a row that mean "nothing more to see". */
  emptyReceives?: number;
}

export interface PeekResult {
  /** What could be seen without consuming: at least the first message of every group. */
  letters: DeadLetter[];
  /** ApproximateNumberOfMessages + ...NotVisible before the peek. */
  approximateTotal: number;
}

export async function peekDeadLetters(options: PeekOptions): Promise<PeekResult> {
  const { client, queueUrl } = options;
  const max = options.max ?? 100;
  const attributes = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  const approximateTotal =
    Number(attributes.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(attributes.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
  const seen = new Map<string, { letter: DeadLetter; receipt: string }>();
  let empty = 0;
  try {
    while (seen.size < max && empty < (options.emptyReceives ?? 2)) {
      const batch = await receiveBatch(client, queueUrl, options.visibilitySeconds ?? 30, max - seen.size);
      empty = batch.length === 0 ? empty + 1 : 0;
      for (const m of batch) {
        if (m.MessageId && m.ReceiptHandle)
          seen.set(m.MessageId, { letter: toDeadLetter(m), receipt: m.ReceiptHandle });
      }
    }
  } finally {
    // Release in reverse order: later messages of a group first, so the group never looks shorter.
    for (const { receipt } of [...seen.values()].reverse()) {
      await client
        .send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrl,
            ReceiptHandle: receipt,
            VisibilityTimeout: 0,
          }),
        )
        .catch(() => undefined);
    }
  }
  return { letters: [...seen.values()].map((s) => s.letter), approximateTotal };
}

export interface RedriveOptions {
  client: SQSClient;
  deadLetterQueueUrl: string;
  /**
   * The source queue, or the inbound shards' queues in shard order: a message goes back to the
   * shard of the channel its body names (shard 0 when the body names none).
   */
  targetQueueUrl: string | readonly string[];
  /** Stop after this many messages. */
  max?: number;
  /** Only messages of this group. Others are released untouched. */
  groupId?: string;
  /** How long a received message stays hidden while it is moved. */
  visibilitySeconds?: number;
  emptyReceives?: number;
  /** Called after each message is moved. */
  onMoved?: (letter: DeadLetter) => void;
}

export interface RedriveResult {
  moved: DeadLetter[];
  /** Messages left in the DLQ: of other groups than the filter's, or dead-lettered again during the run. */
  skipped: number;
}

/** Where a dead letter goes back to: the queue, or its channel's inbound shard. */
function targetOf(target: string | readonly string[], body: string): string {
  if (typeof target === 'string') return target;
  let channelId: unknown;
  try {
    channelId = (JSON.parse(body) as { channelId?: unknown }).channelId;
  } catch {
    // not JSON: shard 0
  }
  return typeof channelId === 'string' ? inboundQueueUrlOf(channelId, target) : target[0]!;
}

export async function redriveDeadLetters(options: RedriveOptions): Promise<RedriveResult> {
  const { client, deadLetterQueueUrl, targetQueueUrl } = options;
  const max = options.max ?? Number.POSITIVE_INFINITY;
  const moved: DeadLetter[] = [];
  const held: string[] = [];
  // Compared with SQS's SentTimestamp: a message dead-lettered again during the run is left there.
  const startedAt = Date.now();
  let empty = 0;
  try {
    while (moved.length < max && empty < (options.emptyReceives ?? 2)) {
      const batch = await receiveBatch(
        client,
        deadLetterQueueUrl,
        options.visibilitySeconds ?? 60,
        Math.min(10, max - moved.length),
      );
      empty = batch.length === 0 ? empty + 1 : 0;
      for (const m of batch) {
        if (!m.MessageId || !m.ReceiptHandle) continue;
        const letter = toDeadLetter(m);
        const arrived = Number(m.Attributes?.SentTimestamp ?? 0);
        if (arrived > startedAt || (options.groupId !== undefined && letter.groupId !== options.groupId)) {
          held.push(m.ReceiptHandle);
          continue;
        }
        if (!letter.groupId)
          throw new Error(`DLQ message ${letter.messageId} has no message group: not a FIFO DLQ?`);
        await client.send(
          new SendMessageCommand({
            QueueUrl: targetOf(targetQueueUrl, letter.body),
            MessageBody: letter.body,
            MessageGroupId: letter.groupId,
            MessageDeduplicationId: `redrive-${letter.messageId}`,
            MessageAttributes: {
              ...letter.attributes,
              [REDRIVEN_FROM_ATTRIBUTE]: { DataType: 'String', StringValue: letter.messageId },
            },
          }),
        );
        await client.send(
          new DeleteMessageCommand({ QueueUrl: deadLetterQueueUrl, ReceiptHandle: m.ReceiptHandle }),
        );
        moved.push(letter);
        options.onMoved?.(letter);
        if (moved.length >= max) break;
      }
    }
  } finally {
    for (const receipt of held.reverse()) {
      await client
        .send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: deadLetterQueueUrl,
            ReceiptHandle: receipt,
            VisibilityTimeout: 0,
          }),
        )
        .catch(() => undefined);
    }
  }
  return { moved, skipped: held.length };
}

/**
 * Queue URLs of a deployment's `inbound`/`outbound` queue and its DLQ, by name prefix;
 * `shardUrls`: every inbound shard's queue in shard order (`[queueUrl]` for outbound or one shard).
 */
export async function resolveQueuePair(
  client: SQSClient,
  prefix: string,
  queue: 'inbound' | 'outbound',
): Promise<{ queueUrl: string; deadLetterQueueUrl: string; shardUrls: string[] }> {
  const url = async (name: string) => {
    const result = await client.send(new GetQueueUrlCommand({ QueueName: name }));
    if (!result.QueueUrl) throw new Error(`queue ${name} not found`);
    return result.QueueUrl;
  };
  const queueUrl = await url(fifoQueueName(prefix, queue));
  const shardUrls = [queueUrl];
  // The shards are numbered without gaps: the first missing one ends the list.
  for (let shard = 1; queue === 'inbound' && shard < MAX_INBOUND_SHARDS; shard += 1) {
    const next = await url(fifoQueueName(prefix, inboundShardName(shard))).catch(() => undefined);
    if (next === undefined) break;
    shardUrls.push(next);
  }
  return { queueUrl, deadLetterQueueUrl: await url(fifoQueueName(prefix, queue, true)), shardUrls };
}

/** A one-line summary of a message without its text (chat messages are personal data). */
export function summarise(letter: DeadLetter): string {
  let shape = 'not JSON';
  try {
    const parsed = JSON.parse(letter.body) as unknown;
    shape = parsed && typeof parsed === 'object' ? `keys: ${Object.keys(parsed).join(',')}` : typeof parsed;
  } catch {
    // keep 'not JSON'
  }
  return [
    letter.messageId,
    `group=${letter.groupId ?? '-'}`,
    `sent=${letter.sentAt ?? '-'}`,
    `receives=${letter.receiveCount ?? '-'}`,
    `bytes=${Buffer.byteLength(letter.body)}`,
    shape,
  ].join('  ');
}

export interface CliArgs {
  queue?: 'inbound' | 'outbound';
  prefix: string;
  dlqUrl?: string;
  targetUrl?: string;
  max?: number;
  group?: string;
  bodies: boolean;
  json: boolean;
  dryRun: boolean;
}

export function parseCliArgs(argv: string[]): CliArgs {
  const args: CliArgs = { prefix: 'chat2desk-channel', bodies: false, json: false, dryRun: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--queue') {
      const q = value();
      if (q !== 'inbound' && q !== 'outbound') throw new Error('--queue is inbound or outbound');
      args.queue = q;
    } else if (flag === '--prefix') args.prefix = value();
    else if (flag === '--dlq-url') args.dlqUrl = value();
    else if (flag === '--target-url') args.targetUrl = value();
    else if (flag === '--max') args.max = Number(value());
    else if (flag === '--group') args.group = value();
    else if (flag === '--bodies') args.bodies = true;
    else if (flag === '--json') args.json = true;
    else if (flag === '--dry-run') args.dryRun = true;
    else throw new Error(`unknown option ${flag}`);
  }
  if (args.max !== undefined && !(Number.isInteger(args.max) && args.max > 0)) {
    throw new Error('--max is a positive integer');
  }
  return args;
}
