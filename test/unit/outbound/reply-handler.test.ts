import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { ReplyDeps } from '../../../functions/reply/composition';
import { createReplyHandler } from '../../../functions/reply/handler';
import type { Channel } from '../../../shared/domain/channel';
import type { OutboundQueueMessage } from '../../../shared/domain/queue-messages';
import { PermanentError, RetryableError } from '../../../shared/errors';
import { NoSendSlotError } from '../../../shared/outbound/rate-limiter';

const channel: Channel = {
  id: 'ch1',
  agentId: 'a',
  type: 'chat2desk',
  name: 'n',
  apiUrl: 'https://api.chat2desk.com',
  token: 'c2dtesttoken-unit-handler-0001',
  serviceMessages: false,
  requireSignature: false,
  status: 'active',
  generation: 1,
  version: 1,
  createdAt: '',
  updatedAt: '',
};

function fakeDeps(failFor: Set<string>, retryFor = new Set<string>(), bookedFor = new Set<string>()) {
  const sent: string[] = [];
  const deadLettered: { id: string; code: string }[] = [];
  const delivered = new Set<string>();
  const claims = new Map<string, { released: boolean }>();
  const deps: ReplyDeps = {
    recordBudgetMs: 1_000,
    maxReceiveCount: 8,
    maxConversationsPerChannel: 3,
    externalIdKey: async () => 'external-id-key',
    deadLetters: {
      send: async (record, reason) => void deadLettered.push({ id: record.messageId, code: reason.code }),
    },
    channels: { get: async () => channel },
    sentReplies: {
      sentPart: async (id, index) =>
        delivered.has(`${id}#${index}`) ? { index, sentAt: new Date(0).toISOString() } : undefined,
      partState: async (id, index) =>
        delivered.has(`${id}#${index}`)
          ? { sent: { index, sentAt: new Date(0).toISOString() }, unsureSends: 0 }
          : { unsureSends: 0 },
      recordPart: async (id, index) => void delivered.add(`${id}#${index}`),
      recordUnsureSend: async () => undefined,
    },
    conversations: {
      resolve: async () => undefined,
      find: async () => undefined,
      transition: async () => undefined,
      endHandoff: async () => undefined,
      closeRequest: async () => undefined,
      markRatingRequest: async () => undefined,
      setButtonOffer: async () => undefined,
    },
    ownMessages: {
      recordOwnMessage: async () => undefined,
      isOwnMessage: async () => false,
      replyOfOwnMessage: async () => undefined,
      recordIntent: async (_ch, intent) => {
        const claim = claims.get(intent.externalId);
        if (claim && !claim.released) return { held: true, retryInMs: 60_000 };
        claims.set(intent.externalId, { released: false });
        return { held: false };
      },
      releaseIntent: async (_ch, intent) => {
        const claim = claims.get(intent.externalId);
        if (claim) claim.released = true;
      },
      findIntent: async () => undefined,
    },
    messagesClientFor: async () => ({
      sendMessage: async (address, op) => {
        if (failFor.has(op.text ?? '')) throw new PermanentError('CHAT2DESK_REJECTED', 'refused');
        if (retryFor.has(op.text ?? '')) throw new RetryableError('CHAT2DESK_SERVERERROR', 'HTTP 503');
        if (bookedFor.has(op.text ?? '')) throw new NoSendSlotError(9_000);
        sent.push(`${address.clientId}:${op.text}`);
        return { messageId: String(sent.length) };
      },
      transferToOperator: async () => undefined,
      transferToGroup: async () => undefined,
      updateDialog: async () => undefined,
      latestMessages: async () => [],
    }),
  };
  return { deps, sent, deadLettered };
}

test('a record handled twice at once (its visibility ran out mid-send) sends once; the later attempt comes back', async () => {
  const { deps, sent } = fakeDeps(new Set());
  let releaseSend: () => void = () => undefined;
  const sendGate = new Promise<void>((resolve) => {
    releaseSend = resolve;
  });
  const slowClient = await deps.messagesClientFor(channel);
  deps.messagesClientFor = async () => ({
    ...slowClient,
    sendMessage: async (...args: Parameters<typeof slowClient.sendMessage>) => {
      await sendGate;
      return slowClient.sendMessage(...args);
    },
  });
  const handler = createReplyHandler(deps);
  const event = (): SQSEvent => ({ Records: [record('1', outbound('100', 'hello', 0), 'ch1:100')] });
  const first = handler(event());
  await new Promise((resolve) => setTimeout(resolve, 20));
  const second = await handler(event());
  expect(second.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['1']);
  releaseSend();
  expect((await first).batchItemFailures).toEqual([]);
  // The comeback finds the part recorded and sends nothing.
  expect((await handler(event())).batchItemFailures).toEqual([]);
  expect(sent).toEqual(['100:hello']);
});

test('a send that failed releases its claim: the retry sends at once', async () => {
  const { deps, sent } = fakeDeps(new Set());
  const client = await deps.messagesClientFor(channel);
  let failures = 1;
  deps.messagesClientFor = async () => ({
    ...client,
    sendMessage: async (...args: Parameters<typeof client.sendMessage>) => {
      if (failures-- > 0) throw new RetryableError('CHAT2DESK_SERVERERROR', 'HTTP 503');
      return client.sendMessage(...args);
    },
  });
  const handler = createReplyHandler(deps);
  const event = (): SQSEvent => ({ Records: [record('1', outbound('100', 'again', 0), 'ch1:100')] });
  expect((await handler(event())).batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['1']);
  expect((await handler(event())).batchItemFailures).toEqual([]);
  expect(sent).toEqual(['100:again']);
});

function record(id: string, body: string, group: string) {
  return {
    messageId: id,
    receiptHandle: id,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'x',
      ApproximateFirstReceiveTimestamp: '0',
      MessageGroupId: group,
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:0:q.fifo',
    awsRegion: 'us-east-1',
  };
}

function outbound(clientId: string, text: string, index: number): string {
  const message: OutboundQueueMessage = {
    v: 1,
    replyId: `ev-${clientId}:${index}`,
    eventId: `ev-${clientId}`,
    channelId: 'ch1',
    index,
    target: { clientId, transport: 'telegram' },
    reply: { type: 'text', text },
  };
  return JSON.stringify(message);
}

test('a retryable failure fails the rest of its conversation only; an invalid body is dropped, not retried', async () => {
  const { deps, sent, deadLettered } = fakeDeps(new Set(), new Set(['flaky']));
  const handler = createReplyHandler(deps);
  const event: SQSEvent = {
    Records: [
      record('1', outbound('100', 'flaky', 0), 'ch1:100'),
      record('2', outbound('200', 'fine', 0), 'ch1:200'),
      record('3', outbound('100', 'after flaky', 1), 'ch1:100'),
      record('4', '{"not":"an outbound message"}', 'ch1:300'),
      record('5', outbound('200', 'fine too', 1), 'ch1:200'),
    ],
  };
  const response = await handler(event);
  expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['1', '3']);
  expect(sent).toEqual(['200:fine', '200:fine too']);
  expect(deadLettered).toEqual([]);
});

test('a permanent failure goes to the DLQ at once with its code and counts as handled', async () => {
  const { deps, sent, deadLettered } = fakeDeps(new Set(['bad']));
  const handler = createReplyHandler(deps);
  const event: SQSEvent = {
    Records: [
      record('1', outbound('100', 'bad', 0), 'ch1:100'),
      record('2', outbound('100', 'after bad', 1), 'ch1:100'),
    ],
  };
  const response = await handler(event);
  expect(response.batchItemFailures).toEqual([]);
  expect(deadLettered).toEqual([{ id: '1', code: 'CHAT2DESK_REJECTED' }]);
  expect(sent).toEqual(['100:after bad']);
});

test('a record that cannot reach its DLQ is retried, not lost', async () => {
  const { deps } = fakeDeps(new Set(['bad']));
  deps.deadLetters = {
    send: async () => {
      throw new Error('SQS is down');
    },
  };
  const handler = createReplyHandler(deps);
  const response = await handler({ Records: [record('1', outbound('100', 'bad', 0), 'ch1:100')] });
  expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['1']);
});

test('a batch already delivered sends nothing the second time', async () => {
  const { deps, sent } = fakeDeps(new Set());
  const handler = createReplyHandler(deps);
  const event: SQSEvent = { Records: [record('1', outbound('100', 'hello', 0), 'ch1:100')] };
  await handler(event);
  const second = await handler(event);
  expect(second.batchItemFailures).toEqual([]);
  expect(sent).toEqual(['100:hello']);
});

test('an account booked for a while: its conversation comes back after about that while, the others go on', async () => {
  const { deps, sent } = fakeDeps(new Set(), new Set(), new Set(['throttled']));
  const requeued: { ids: string[]; seconds: number }[] = [];
  deps.requeue = {
    now: async () => undefined,
    later: async (records: SQSRecord[], seconds: number) =>
      void requeued.push({ ids: records.map((r) => r.messageId), seconds }),
  };
  const handler = createReplyHandler(deps);
  const response = await handler({
    Records: [
      record('1', outbound('100', 'throttled', 0), 'ch1:100'),
      record('2', outbound('200', 'fine', 0), 'ch1:200'),
      record('3', outbound('100', 'behind it', 1), 'ch1:100'),
    ],
  });
  expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['1', '3']);
  expect(sent).toEqual(['200:fine']);
  // Booked 9 s ahead: back in 9 s, not after the visibility timeout (360 s).
  expect(requeued).toEqual([{ ids: ['1', '3'], seconds: 9 }]);
});

test("one channel's burst runs at most maxConversationsPerChannel of its conversations at once; another channel's go on beside it", async () => {
  const { deps } = fakeDeps(new Set());
  deps.channels = { get: async (id) => ({ ...channel, id }) };
  const inFlight = new Map<string, number>();
  const most = new Map<string, number>();
  deps.messagesClientFor = async (ch) => ({
    sendMessage: async () => {
      const now = (inFlight.get(ch.id) ?? 0) + 1;
      inFlight.set(ch.id, now);
      most.set(ch.id, Math.max(most.get(ch.id) ?? 0, now));
      await new Promise((resolve) => setTimeout(resolve, 30));
      inFlight.set(ch.id, (inFlight.get(ch.id) ?? 1) - 1);
      return { messageId: 'm' };
    },
    transferToOperator: async () => undefined,
    transferToGroup: async () => undefined,
    updateDialog: async () => undefined,
    latestMessages: async () => [],
  });
  const forChannel = (channelId: string, clientId: string) => {
    const message = JSON.parse(outbound(clientId, `to ${clientId}`, 0)) as OutboundQueueMessage;
    return JSON.stringify({ ...message, channelId, replyId: `${channelId}-${clientId}:0` });
  };
  const burst = Array.from({ length: 8 }, (_, i) => String(100 + i));
  const event: SQSEvent = {
    Records: [
      ...burst.map((c) => record(`a${c}`, forChannel('busy', c), `busy:${c}`)),
      record('b1', forChannel('quiet', '900'), 'quiet:900'),
      record('b2', forChannel('quiet', '901'), 'quiet:901'),
    ] as SQSRecord[],
  };
  const result = await createReplyHandler(deps)(event);
  expect(result.batchItemFailures).toEqual([]);
  expect(most.get('busy')).toBe(deps.maxConversationsPerChannel);
  expect(most.get('quiet')).toBe(2);
});
