/**
 * Never twice, never lost: throttling, redelivery, a crash between parts, an ambiguous timeout,
 * a permanent refusal (DLQ), an unplugged channel.
 */
import { stateOf } from '../../../shared/adapters/dynamodb/conversation-store';
import type { OutboundQueueMessage } from '../../../shared/domain/queue-messages';
import { receiveAll, testContext } from '../../support/sqs-driver';
import { type OutboundWorld, redeliveryEventOf, startOutboundWorld } from './harness';

const MESSAGES_PATH = /^\/v1\/messages$/;

function sendsOf(world: OutboundWorld) {
  return world
    .acceptedSends()
    .map((r) => r.body as { client_id: number; text?: string; external_id: string });
}

/** The most requests that started within any one-second window. */
function maxPerSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= 1000) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

describe('a 429 storm', () => {
  const LIMIT = 5;
  let world: OutboundWorld;
  beforeAll(async () => {
    world = await startOutboundWorld({
      sandbox: { rateLimitPerSecond: LIMIT },
      env: { CHAT2DESK_RATE_LIMIT_PER_SECOND: String(LIMIT) },
    });
  });
  afterAll(async () => {
    await world.close();
  });

  test('everything delivered, in order, nothing twice, never above the rate limit', async () => {
    world.sandbox.faults.inject({
      method: 'POST',
      path: MESSAGES_PATH,
      status: 429,
      body: { status: 'error', message: 'Number of API requests exceeded' },
      headers: { 'Retry-After': '1' },
      times: 6,
    });
    const targets = await Promise.all([
      world.clientWrites(),
      world.clientWrites('whatsapp'),
      world.clientWrites('viber'),
    ]);
    const started = world.sandbox.requests.length;
    const expected = new Map<string, string[]>();
    for (const target of targets) {
      const texts = Array.from({ length: 7 }, (_, i) => `message ${i} for ${target.clientId}`);
      expected.set(target.clientId, texts);
      await world.enqueue(
        target,
        texts.map((text) => ({ type: 'text' as const, text })),
      );
    }
    const t0 = Date.now();
    await world.drain({ visibilityTimeout: 30, timeoutMs: 60_000 });
    const elapsedMs = Date.now() - t0;

    for (const target of targets) {
      expect(world.received(target.clientId).map((m) => m.text)).toEqual(expected.get(target.clientId));
    }
    const sends = sendsOf(world).filter((b) => targets.some((t) => String(b.client_id) === t.clientId));
    expect(sends).toHaveLength(21);
    expect(new Set(sends.map((s) => s.external_id)).size).toBe(21);
    const apiRequests = world.sandbox.requests.slice(started);
    expect(apiRequests.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(6);
    const peak = maxPerSecond(apiRequests.map((r) => r.at));
    process.stdout.write(
      `${JSON.stringify({ figure: 'outbound-429-storm', replies: 21, requests: apiRequests.length, throttled: apiRequests.filter((r) => r.status === 429).length, peakPerSecond: peak, limit: LIMIT, elapsedMs })}\n`,
    );
    expect(peak).toBeLessThanOrEqual(LIMIT);
  }, 90_000);
});

describe('redelivery and resumption', () => {
  let world: OutboundWorld;
  let failNextSends = 0;
  beforeAll(async () => {
    world = await startOutboundWorld({
      fetchImpl: async (input, init) => {
        const url = String(input instanceof Request ? input.url : input);
        if (init?.method === 'POST' && url.endsWith('/v1/messages') && failNextSends > 0) {
          failNextSends -= 1;
          // Refused before it left: certainly not sent, so it may be tried again at once.
          throw new TypeError('fetch failed', {
            cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
          });
        }
        return fetch(input, init);
      },
    });
  });
  afterAll(async () => {
    await world.close();
  });

  test('a redelivered batch that was already sent sends nothing new', async () => {
    const target = await world.clientWrites();
    const messages = await world.enqueue(target, [
      { type: 'text', text: 'one' },
      { type: 'file', url: 'https://files.example.com/a.png' },
      { type: 'text', text: 'three' },
    ]);
    await world.drain();
    const sentBefore = world.acceptedSends().length;
    expect(world.received(target.clientId)).toHaveLength(3);

    const response = await world.handler(redeliveryEventOf(messages), testContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(world.acceptedSends().length).toBe(sentBefore);
    expect(world.received(target.clientId)).toHaveLength(3);
  });

  test('a failure between the parts of a long reply resumes at the first unsent part', async () => {
    const target = await world.clientWrites('telegram');
    const text = Array.from({ length: 300 }, (_, i) => `Sentence ${i} of a long answer.`).join(' ');
    const before = world.acceptedSends().length;
    // Part 1 goes out; part 2 then fails three times (the in-process retry budget): SQS redelivers.
    let sent = 0;
    const original = world.sandbox.requests.push.bind(world.sandbox.requests);
    world.sandbox.requests.push = (...items) => {
      const n = original(...items);
      if (items.some((r) => r.path === '/v1/messages') && ++sent === 1) failNextSends = 3;
      return n;
    };
    try {
      await world.enqueue(target, [{ type: 'text', text }]);
      await world.drain({ visibilityTimeout: 1 });
    } finally {
      world.sandbox.requests.push = original;
    }
    const parts = world.received(target.clientId).map((m) => m.text!);
    expect(failNextSends).toBe(0); // the three failures did happen
    expect(parts.length).toBeGreaterThanOrEqual(3);
    expect(parts.join(' ')).toBe(text);
    expect(world.acceptedSends().length - before).toBe(parts.length);
    const externalIds = sendsOf(world)
      .slice(before)
      .map((s) => s.external_id);
    expect(new Set(externalIds).size).toBe(parts.length);
  });
});

describe('an ambiguous failure (the request took effect, the answer was lost)', () => {
  let world: OutboundWorld;
  beforeAll(async () => {
    world = await startOutboundWorld();
  });
  afterAll(async () => {
    await world.close();
  });

  test('is retried with the same external_id: the client gets the message (at least once)', async () => {
    world.sandbox.faults.inject({
      method: 'POST',
      path: MESSAGES_PATH,
      afterHandling: true,
      hangup: true,
      times: 1,
    });
    const target = await world.clientWrites();
    await world.enqueue(target, [{ type: 'text', text: 'are you there?' }]);
    await world.drain();
    const received = world.received(target.clientId);
    expect(received.length).toBeGreaterThanOrEqual(1);
    expect(received.length).toBeLessThanOrEqual(2);
    expect(received.every((m) => m.text === 'are you there?')).toBe(true);
    const attempts = world.sandbox.requests.filter((r) => r.method === 'POST' && r.path === '/v1/messages');
    expect(new Set(attempts.map((r) => (r.body as { external_id: string }).external_id)).size).toBe(1);
  });
});

describe('a permanent refusal and an unplugged channel', () => {
  let world: OutboundWorld;
  beforeAll(async () => {
    world = await startOutboundWorld({ queues: { maxReceiveCount: 2 } });
  });
  afterAll(async () => {
    await world.close();
  });

  test('a 4xx goes to the DLQ; the conversation and the others go on', async () => {
    const poisoned = await world.clientWrites();
    const other = await world.clientWrites();
    await world.enqueue(poisoned, [
      { type: 'transfer', groupId: '999' },
      { type: 'text', text: 'after the failed transfer' },
    ]);
    await world.enqueue(other, [{ type: 'text', text: 'unaffected' }]);
    await world.drain({ visibilityTimeout: 1 });

    expect(world.received(other.clientId).map((m) => m.text)).toEqual(['unaffected']);
    expect(world.received(poisoned.clientId).map((m) => m.text)).toEqual(['after the failed transfer']);
    const dead = await receiveAll(world.queues.outboundDlqUrl, world.sqs);
    expect(dead.map((m) => (JSON.parse(m.Body!) as OutboundQueueMessage).reply.type)).toEqual(['transfer']);
    const transfers = world.sandbox.requests.filter((r) => r.path.endsWith('/transfer_to_group'));
    // Decided once: the Chat2Desk 404 is not tried again.
    expect(transfers.map((r) => r.status)).toEqual([404]);
    expect(stateOf(await world.conversations.find(world.channel.id, poisoned))).toBe('bot');
  });

  test('a reply for a deactivated channel is dropped with its reason, nothing is sent', async () => {
    const target = await world.clientWrites();
    await world.putChannel({ status: 'inactive' });
    try {
      const before = world.sandbox.requests.length;
      await world.enqueue(target, [{ type: 'text', text: 'too late' }]);
      await world.drain();
      expect(world.sandbox.requests.length).toBe(before);
      expect(world.received(target.clientId)).toEqual([]);
      expect(await receiveAll(world.queues.outboundDlqUrl, world.sqs)).toEqual([]);
    } finally {
      await world.putChannel({ status: 'active' });
    }
  });
});
