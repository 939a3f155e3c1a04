/** The DLQ peek and redrive tools against the SQS emulator (fauxqs), as library and as commands. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { peekDeadLetters, redriveDeadLetters } from '../../../scripts/dlq-tools';
import { FIFO_ATTRIBUTES, fifoQueueName } from '../../../shared/adapters/sqs/queue-definitions';
import { inboundShardOf } from '../../../shared/inbound/shards';
import { testSqsClient, uniqueName } from '../../support/aws';
import { createTestQueues } from '../../support/queues';

const sqs = testSqsClient();
const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..', '..');

interface Pair {
  prefix: string;
  queueUrl: string;
  dlqUrl: string;
}

async function createPair(maxReceiveCount = 1): Promise<Pair> {
  const prefix = uniqueName('dlqtest');
  const dlq = await sqs.send(
    new CreateQueueCommand({
      QueueName: fifoQueueName(prefix, 'inbound', true),
      Attributes: { ...FIFO_ATTRIBUTES },
    }),
  );
  const dlqArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl!, AttributeNames: ['QueueArn'] }))
  ).Attributes!.QueueArn!;
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: fifoQueueName(prefix, 'inbound'),
      Attributes: {
        ...FIFO_ATTRIBUTES,
        VisibilityTimeout: '30',
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount }),
      },
    }),
  );
  return { prefix, queueUrl: queue.QueueUrl!, dlqUrl: dlq.QueueUrl! };
}

async function send(queueUrl: string, group: string, body: string, dedup: string): Promise<void> {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: body,
      MessageGroupId: group,
      MessageDeduplicationId: dedup,
      MessageAttributes: { origin: { DataType: 'String', StringValue: `from-${dedup}` } },
    }),
  );
}

/** Receives and deletes everything (one message per group per receive on fauxqs). */
async function drain(queueUrl: string): Promise<Array<{ group: string; body: string; origin?: string }>> {
  const out: Array<{ group: string; body: string; origin?: string }> = [];
  for (let empty = 0; empty < 2; ) {
    const r = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = r.Messages ?? [];
    empty = messages.length === 0 ? empty + 1 : 0;
    for (const m of messages) {
      const origin = m.MessageAttributes?.origin?.StringValue;
      out.push({ group: m.Attributes!.MessageGroupId!, body: m.Body!, ...(origin ? { origin } : {}) });
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
    }
  }
  return out;
}

const byGroup = (items: Array<{ group: string; body: string }>) => {
  const groups: Record<string, string[]> = {};
  for (const i of items) {
    groups[i.group] = [...(groups[i.group] ?? []), i.body];
  }
  return groups;
};

async function fillDlq(pair: Pair): Promise<void> {
  for (const [group, n] of [
    ['chan1:client1', 3],
    ['chan1:client2', 2],
  ] as const) {
    for (let i = 1; i <= n; i++)
      await send(pair.dlqUrl, group, JSON.stringify({ n: i, group }), `${group}-${i}`);
  }
}

test('peek shows the first message of every group and the total, and consumes nothing', async () => {
  const pair = await createPair();
  await fillDlq(pair);
  const first = await peekDeadLetters({ client: sqs, queueUrl: pair.dlqUrl, emptyReceives: 1 });
  const second = await peekDeadLetters({ client: sqs, queueUrl: pair.dlqUrl, emptyReceives: 1 });
  for (const seen of [first, second]) {
    expect(seen.approximateTotal).toBe(5);
    const groups = byGroup(seen.letters.map((l) => ({ group: l.groupId!, body: l.body })));
    // The head of each group is always shown (what blocks that conversation).
    expect(groups['chan1:client1']?.[0]).toBe(JSON.stringify({ n: 1, group: 'chan1:client1' }));
    expect(groups['chan1:client2']?.[0]).toBe(JSON.stringify({ n: 1, group: 'chan1:client2' }));
  }
  expect(second.letters.map((l) => l.messageId).sort()).toEqual(first.letters.map((l) => l.messageId).sort());
  // Everything is still there, in order.
  expect(byGroup(await drain(pair.dlqUrl))).toEqual({
    'chan1:client1': [1, 2, 3].map((n) => JSON.stringify({ n, group: 'chan1:client1' })),
    'chan1:client2': [1, 2].map((n) => JSON.stringify({ n, group: 'chan1:client2' })),
  });
});

test('redrive moves every message back with its group, order within the group and attributes', async () => {
  const pair = await createPair();
  await fillDlq(pair);
  const result = await redriveDeadLetters({
    client: sqs,
    deadLetterQueueUrl: pair.dlqUrl,
    targetQueueUrl: pair.queueUrl,
    emptyReceives: 1,
  });
  expect(result.moved).toHaveLength(5);
  expect(await drain(pair.dlqUrl)).toEqual([]);
  const back = await drain(pair.queueUrl);
  expect(byGroup(back)).toEqual({
    'chan1:client1': [1, 2, 3].map((n) => JSON.stringify({ n, group: 'chan1:client1' })),
    'chan1:client2': [1, 2].map((n) => JSON.stringify({ n, group: 'chan1:client2' })),
  });
  expect(back.find((b) => b.body.includes('"n":2') && b.group === 'chan1:client2')?.origin).toBe(
    'from-chan1:client2-2',
  );
});

test('each moved message is marked RedrivenFrom; one dead-lettered again during the run stays', async () => {
  const pair = await createPair();
  await send(pair.dlqUrl, 'chan2:client1', '{"n":1}', 'd1');
  let again: Promise<void> | undefined;
  const result = await redriveDeadLetters({
    client: sqs,
    deadLetterQueueUrl: pair.dlqUrl,
    targetQueueUrl: pair.queueUrl,
    emptyReceives: 1,
    // Its consumer fails it again at once: back in the DLQ while the redrive still runs.
    onMoved: () => {
      again ??= send(pair.dlqUrl, 'chan2:client1', '{"n":1}', 'd1-again');
    },
  });
  await again;
  expect(result.moved).toHaveLength(1);
  const back = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: pair.queueUrl,
      MessageAttributeNames: ['All'],
      WaitTimeSeconds: 1,
    }),
  );
  expect(back.Messages?.[0]?.MessageAttributes?.RedrivenFrom?.StringValue).toBe(result.moved[0]?.messageId);
  expect(back.Messages?.[0]?.MessageAttributes?.origin?.StringValue).toBe('from-d1');
  expect((await drain(pair.dlqUrl)).map((m) => m.origin)).toEqual(['from-d1-again']);
});

test('a message dead-lettered by the redrive policy goes back to its queue and group', async () => {
  const pair = await createPair(1);
  await send(pair.queueUrl, 'chan9:client9', '{"poison":true}', 'p1');
  // Received once without being deleted: the next receive moves it to the DLQ (maxReceiveCount 1).
  const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: pair.queueUrl, VisibilityTimeout: 0 }));
  expect(got.Messages).toHaveLength(1);
  expect(
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: pair.queueUrl, WaitTimeSeconds: 0 })),
  ).not.toHaveProperty('Messages.0');
  const inDlq = await peekDeadLetters({ client: sqs, queueUrl: pair.dlqUrl, emptyReceives: 1 });
  expect(inDlq.letters.map((l) => [l.groupId, l.body])).toEqual([['chan9:client9', '{"poison":true}']]);
  await redriveDeadLetters({
    client: sqs,
    deadLetterQueueUrl: pair.dlqUrl,
    targetQueueUrl: pair.queueUrl,
    emptyReceives: 1,
  });
  expect(await drain(pair.queueUrl)).toEqual([
    { group: 'chan9:client9', body: '{"poison":true}', origin: 'from-p1' },
  ]);
});

test('redrive of one group leaves the other groups in the DLQ', async () => {
  const pair = await createPair();
  await fillDlq(pair);
  const result = await redriveDeadLetters({
    client: sqs,
    deadLetterQueueUrl: pair.dlqUrl,
    targetQueueUrl: pair.queueUrl,
    groupId: 'chan1:client2',
    emptyReceives: 1,
  });
  expect(result.moved.map((l) => l.groupId)).toEqual(['chan1:client2', 'chan1:client2']);
  expect(Object.keys(byGroup(await drain(pair.queueUrl)))).toEqual(['chan1:client2']);
  expect(byGroup(await drain(pair.dlqUrl))['chan1:client1']).toHaveLength(3);
});

test('the commands run with npx tsx: peek by URL, redrive by queue name and prefix', async () => {
  const pair = await createPair();
  await fillDlq(pair);
  const env = { ...process.env, AWS_REGION: 'us-east-1' };
  const peek = await run('npx', ['tsx', 'scripts/dlq-peek.ts', '--dlq-url', pair.dlqUrl], { cwd: ROOT, env });
  expect(peek.stdout).toContain('5 message(s) in');
  expect(peek.stdout).toContain('nothing consumed');
  expect(peek.stdout).toContain('group=chan1:client1');
  expect(peek.stdout).not.toContain('"n":1'); // no bodies without --bodies
  const dry = await run(
    'npx',
    ['tsx', 'scripts/dlq-redrive.ts', '--queue', 'inbound', '--prefix', pair.prefix, '--dry-run'],
    {
      cwd: ROOT,
      env,
    },
  );
  expect(dry.stdout).toContain('5 message(s) would move');
  const redrive = await run(
    'npx',
    ['tsx', 'scripts/dlq-redrive.ts', '--queue', 'inbound', '--prefix', pair.prefix],
    {
      cwd: ROOT,
      env,
    },
  );
  expect(redrive.stdout).toContain('5 message(s) moved');
  expect(await drain(pair.dlqUrl)).toEqual([]);
  expect(await drain(pair.queueUrl)).toHaveLength(5);
}, 60_000);

test('inbound shards: the command sends each dead letter back to its channel’s shard', async () => {
  const queues = await createTestQueues({ client: sqs, inboundShards: 3 });
  try {
    const prefix = queues.inboundUrl
      .split('/')
      .pop()!
      .replace(/-inbound\.fifo$/, '');
    // One channel per shard, one dead letter each (the body names the channel, as the worker's does).
    const channels: string[] = [];
    for (let i = 0; channels.filter(Boolean).length < 3; i += 1)
      channels[inboundShardOf(`dl-${i}`, 3)] ??= `dl-${i}`;
    for (const [shard, channelId] of channels.entries()) {
      await send(queues.inboundDlqUrl, `${channelId}:1`, JSON.stringify({ channelId, shard }), `d-${shard}`);
    }
    const { stdout } = await run(
      'npx',
      ['tsx', 'scripts/dlq-redrive.ts', '--queue', 'inbound', '--prefix', prefix],
      {
        cwd: ROOT,
        env: { ...process.env, AWS_REGION: 'us-east-1' },
      },
    );
    expect(stdout).toContain("3 message(s) moved to their channels' shards (3 inbound queues)");
    for (const [shard, url] of queues.inboundShardUrls.entries()) {
      expect((await drain(url)).map((m) => JSON.parse(m.body).shard)).toEqual([shard]);
    }
  } finally {
    await queues.drop();
  }
});
