/**
 * An ambiguous send is not repeated blindly: Chat2Desk stores the message, then the answer times
 * out (or the connection drops) on every try. The part is sent again at most once over all
 * deliveries, then counted as sent; a 2xx whose body cannot be read counts as sent at once.
 */
import type { OutboundQueueMessage } from '../../../shared/domain/queue-messages';
import { receiveAll } from '../../support/sqs-driver';
import { type OutboundWorld, startOutboundWorld } from './harness';

const MESSAGES_PATH = /^\/v1\/messages$/;

describe('an ambiguous send', () => {
  let world: OutboundWorld;
  beforeAll(async () => {
    // CHAT2DESK_TIMEOUT_MS is 2000 in the harness.
    world = await startOutboundWorld({ queues: { maxReceiveCount: 8 } });
  });
  afterAll(async () => {
    await world.close();
  });
  afterEach(() => world.sandbox.faults.clear());

  const posts = (clientId: string) =>
    world.sandbox.requests.filter(
      (r) =>
        r.method === 'POST' &&
        r.path === '/v1/messages' &&
        String((r.body as { client_id?: unknown })?.client_id) === clientId,
    );

  test('stored, then the answer times out on every try: the client gets the part at most twice, the reply is done', async () => {
    world.sandbox.faults.inject({ method: 'POST', path: MESSAGES_PATH, afterHandling: true, delayMs: 2_600 });
    const target = await world.clientWrites();
    await world.enqueue(target, [{ type: 'text', text: 'did you get this?' }]);
    await world.drain({ visibilityTimeout: 1, timeoutMs: 40_000 });

    const received = world.received(target.clientId).map((m) => m.text);
    expect(received.length).toBeGreaterThanOrEqual(1);
    expect(received.length).toBeLessThanOrEqual(2);
    expect(posts(target.clientId).length).toBeLessThanOrEqual(2);
    // Not lost either: the reply is done, nothing in the DLQ.
    expect(await receiveAll(world.queues.outboundDlqUrl, world.sqs)).toEqual([]);
  }, 60_000);

  test('a dropped connection after storing, on every try: the same bound', async () => {
    world.sandbox.faults.inject({ method: 'POST', path: MESSAGES_PATH, afterHandling: true, hangup: true });
    const target = await world.clientWrites();
    await world.enqueue(target, [
      { type: 'text', text: 'first' },
      { type: 'text', text: 'second' },
    ]);
    await world.drain({ visibilityTimeout: 1, timeoutMs: 40_000 });
    const received = world.received(target.clientId).map((m) => m.text);
    expect(received.filter((t) => t === 'first').length).toBeLessThanOrEqual(2);
    expect(received.filter((t) => t === 'second').length).toBeLessThanOrEqual(2);
    expect(received.indexOf('first')).toBeLessThan(received.indexOf('second'));
    expect(posts(target.clientId).length).toBeLessThanOrEqual(4);
    expect(await receiveAll(world.queues.outboundDlqUrl, world.sqs)).toEqual([]);
  }, 60_000);

  test('a 2xx with a garbled body counts as sent: not resent, not dead-lettered', async () => {
    world.sandbox.faults.inject({
      method: 'POST',
      path: MESSAGES_PATH,
      afterHandling: true,
      status: 200,
      rawText: '<html>upstream says hi</html>',
      times: 1,
    });
    const target = await world.clientWrites();
    const [message] = (await world.enqueue(target, [{ type: 'text', text: 'just once' }])) as [
      OutboundQueueMessage,
    ];
    await world.drain({ visibilityTimeout: 1 });
    expect(world.received(target.clientId).map((m) => m.text)).toEqual(['just once']);
    expect(posts(target.clientId)).toHaveLength(1);
    expect(await receiveAll(world.queues.outboundDlqUrl, world.sqs)).toEqual([]);
    expect(message.replyId).toBeDefined();
  });
});
