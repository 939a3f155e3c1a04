/**
 * An ambiguous send is not repeated blindly: Chat2Desk stores the message, then the answer times
 * out (or the connection drops). Before a part is sent again, Chat2Desk's latest messages are
 * looked through (by external id, or by client, content and time where the listing has no external
 * ids: sandbox switch `messageListing`), so a stored part is not sent again and a part Chat2Desk
 * never took is; a 2xx whose body cannot be read counts as sent at once.
 */
import type { OutboundQueueMessage } from '../../../shared/domain/queue-messages';
import { receiveAll } from '../../support/sqs-driver';
import { type OutboundWorld, startOutboundWorld } from './harness';

const MESSAGES_PATH = /^\/v1\/messages$/;

describe.each(['full', 'bare'] as const)('an ambiguous send (message listing: %s)', (messageListing) => {
  let world: OutboundWorld;
  beforeAll(async () => {
    // CHAT2DESK_TIMEOUT_MS is 2000 in the harness.
    world = await startOutboundWorld({ queues: { maxReceiveCount: 8 }, sandbox: { messageListing } });
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

  const lookups = () => world.sandbox.requests.filter((r) => r.method === 'GET' && r.path === '/v1/messages');

  test('stored, then the answer times out on every try: found in Chat2Desk, the client gets the part once, the reply is done', async () => {
    world.sandbox.faults.inject({ method: 'POST', path: MESSAGES_PATH, afterHandling: true, delayMs: 2_600 });
    const target = await world.clientWrites();
    const looksBefore = lookups().length;
    await world.enqueue(target, [{ type: 'text', text: 'did you get this?' }]);
    await world.drain({ visibilityTimeout: 1, timeoutMs: 40_000 });

    expect(world.received(target.clientId).map((m) => m.text)).toEqual(['did you get this?']);
    expect(posts(target.clientId)).toHaveLength(1);
    expect(lookups().length).toBeGreaterThan(looksBefore);
    // Not lost either: the reply is done, nothing in the DLQ.
    expect(await receiveAll(world.queues.outboundDlqUrl, world.sqs)).toEqual([]);
  }, 60_000);

  test('a dropped connection after storing, on every try: each part reaches the client once, in order', async () => {
    world.sandbox.faults.inject({ method: 'POST', path: MESSAGES_PATH, afterHandling: true, hangup: true });
    const target = await world.clientWrites();
    await world.enqueue(target, [
      { type: 'text', text: 'first' },
      { type: 'text', text: 'second' },
    ]);
    await world.drain({ visibilityTimeout: 1, timeoutMs: 40_000 });
    expect(world.received(target.clientId).map((m) => m.text)).toEqual(['first', 'second']);
    expect(posts(target.clientId)).toHaveLength(2);
    expect(await receiveAll(world.queues.outboundDlqUrl, world.sqs)).toEqual([]);
  }, 60_000);

  test('the connection dropped twice before Chat2Desk took the part: it is not there, so it is sent again and arrives once', async () => {
    world.sandbox.faults.inject({ method: 'POST', path: MESSAGES_PATH, hangup: true, times: 2 });
    const target = await world.clientWrites();
    await world.enqueue(target, [{ type: 'text', text: 'third time lucky' }]);
    await world.drain({ visibilityTimeout: 1, timeoutMs: 40_000 });
    expect(world.received(target.clientId).map((m) => m.text)).toEqual(['third time lucky']);
    expect(posts(target.clientId)).toHaveLength(3);
    expect(await receiveAll(world.queues.outboundDlqUrl, world.sqs)).toEqual([]);
  }, 60_000);

  test('the same text already sent to the client by an earlier reply does not count as the unsure part', async () => {
    const target = await world.clientWrites();
    await world.enqueue(target, [{ type: 'text', text: 'OK' }]);
    await world.drain({ visibilityTimeout: 1 });
    world.sandbox.faults.inject({ method: 'POST', path: MESSAGES_PATH, hangup: true, times: 1 });
    await world.enqueue(target, [{ type: 'text', text: 'OK' }]);
    await world.drain({ visibilityTimeout: 1, timeoutMs: 40_000 });
    expect(world.received(target.clientId).map((m) => m.text)).toEqual(['OK', 'OK']);
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
