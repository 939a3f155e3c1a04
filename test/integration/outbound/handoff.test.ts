/**
 * The hand-off options and actions through the reply function against the Chat2Desk sandbox:
 * a transfer's note, `whenOffline: "stay"`, `close`, `tags`, `client` — each Chat2Desk call made
 * once, and never again when the same replies are delivered again.
 */
import { BOT_OPERATOR_ID } from '../../../infra/local/sandbox/index';
import { stateOf } from '../../../shared/adapters/dynamodb/conversation-store';
import { inboundQueueMessageSchema } from '../../../shared/domain/queue-messages';
import { receiveAll, testContext } from '../../support/sqs-driver';
import { type OutboundWorld, redeliveryEventOf, startOutboundWorld } from './harness';

async function clientView(world: OutboundWorld, clientId: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${world.server.url}/clients/${clientId}`, {
    headers: { Authorization: world.token },
  });
  return (await response.json()) as Record<string, unknown>;
}

const callsOf = (world: OutboundWorld) => world.sandbox.requests.filter((r) => r.status === 200).length;

async function setOnline(world: OutboundWorld, operatorIds: number[], online: 0 | 1) {
  for (const id of operatorIds) await world.sandbox.setOperatorStatus(world.token, String(id), { online });
}

describe.each(['classic', 'minimal'] as const)('hand-off replies (%s sandbox)', (profile) => {
  let world: OutboundWorld;
  beforeAll(async () => {
    world = await startOutboundWorld({
      connectorEvents: true,
      // Operators' status changes between the tests: read it each time (the cache has its own test).
      env: { HANDOFF_CACHE_MS: '1' },
      sandbox:
        profile === 'minimal'
          ? { echoBeforeResponse: true, apiEchoOperatorId: 'tokenOwner', closeClosedRequest: 'success' }
          : {},
    });
  });
  afterAll(async () => {
    await world.close();
  });

  test('a note reaches the operators as a comment, never the client, before the hand-over', async () => {
    const target = await world.clientWrites();
    const messages = await world.enqueue(target, [
      { type: 'transfer', operatorId: '1002', text: 'Connecting you', note: 'Wants a refund for order 42' },
    ]);
    await world.drain();
    const transcript = world.sandbox.transcript(world.token, target.clientId);
    const note = transcript.find((m) => m.type === 'comment');
    expect(note).toMatchObject({
      direction: 'internal',
      text: 'Wants a refund for order 42',
      operatorId: String(BOT_OPERATOR_ID),
    });
    expect(world.received(target.clientId).map((m) => m.text)).toEqual(['Connecting you']);
    const body = world.sandbox.requests.find(
      (r) => r.path === '/v1/messages' && (r.body as { type?: string }).type === 'comment',
    )?.body;
    expect(body).toMatchObject({ type: 'comment', open_dialog: false, operator_id: BOT_OPERATOR_ID });
    // The note went before the transfer.
    const order = world.sandbox.requests
      .filter((r) => r.path === '/v1/messages' || r.path.endsWith('/transfer'))
      .map((r) => (r.path.endsWith('/transfer') ? 'transfer' : (r.body as { type: string }).type));
    expect(order.slice(-3)).toEqual(['to_client', 'comment', 'transfer']);
    const calls = callsOf(world);
    expect((await world.handler(redeliveryEventOf(messages), testContext())).batchItemFailures).toEqual([]);
    expect(callsOf(world)).toBe(calls);
  });

  test('"stay" with nobody online: the offline text, no transfer, the agent event queued, once', async () => {
    await setOnline(world, [1002, 1003], 0);
    try {
      const target = await world.clientWrites();
      const messages = await world.enqueue(target, [
        {
          type: 'transfer',
          groupId: '501',
          whenOffline: 'stay',
          offlineText: 'Nobody is in; I stay with you',
        },
      ]);
      await world.drain();
      expect(world.received(target.clientId).map((m) => m.text)).toEqual(['Nobody is in; I stay with you']);
      expect(
        world.sandbox.requests.some((r) => r.path.startsWith(`/v1/messages/${target.lastInboundMessageId}/`)),
      ).toBe(false);
      const conversation = await world.conversations.find(world.channel.id, { dialogId: target.dialogId });
      expect(stateOf(conversation)).not.toBe('human');
      const events = (await receiveAll(world.queues.inboundUrl, world.sqs)).map((m) =>
        inboundQueueMessageSchema.parse(JSON.parse(m.Body!)),
      );
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        channelId: world.channel.id,
        connectorEvent: { kind: 'noOperatorsOnline', replyId: messages[0]!.replyId, target },
      });
      // Delivered again (now with someone online): nothing more happens, the decision holds.
      await setOnline(world, [1002], 1);
      const calls = callsOf(world);
      expect((await world.handler(redeliveryEventOf(messages), testContext())).batchItemFailures).toEqual([]);
      expect(callsOf(world)).toBe(calls);
      expect(await receiveAll(world.queues.inboundUrl, world.sqs)).toHaveLength(0);
    } finally {
      await setOnline(world, [1002, 1003], 1);
    }
  });

  test('"stay" with someone of the group online: the hand-over happens, no offline text', async () => {
    const target = await world.clientWrites();
    await world.enqueue(target, [
      { type: 'transfer', groupId: '502', whenOffline: 'stay', offlineText: 'Nobody is in' },
    ]);
    await world.drain();
    expect(world.received(target.clientId)).toEqual([]);
    expect(
      world.sandbox.requests.some(
        (r) => r.path === `/v1/messages/${target.lastInboundMessageId}/transfer_to_group`,
      ),
    ).toBe(true);
    const conversation = await world.conversations.find(world.channel.id, { dialogId: target.dialogId });
    expect(stateOf(conversation)).toBe('human');
  });

  test('a transfer keeps its close phrases and return text with the mark; the close a phrase asks for goes through', async () => {
    const target = await world.clientWrites();
    const [transfer] = await world.enqueue(target, [
      { type: 'transfer', operatorId: '1002', closePhrases: ['back to bot'], returnText: 'Welcome back' },
    ]);
    await world.drain();
    const conversation = await world.conversations.find(world.channel.id, { dialogId: target.dialogId });
    expect(stateOf(conversation)).toBe('human');
    expect(conversation?.handoff).toEqual({
      id: transfer!.replyId,
      closePhrases: ['back to bot'],
      returnText: 'Welcome back',
    });
    // An answer of the agent's is held back while the human has the dialog; the phrase's close is not.
    const [stale] = await world.enqueue(target, [{ type: 'close' }]);
    const phrase = { ...stale!, replyId: `${stale!.eventId}:closePhrase` };
    expect((await world.handler(redeliveryEventOf([stale!]), testContext())).batchItemFailures).toEqual([]);
    expect(await clientView(world, target.clientId)).toMatchObject({ dialogState: 'open' });
    expect((await world.handler(redeliveryEventOf([phrase]), testContext())).batchItemFailures).toEqual([]);
    expect(await clientView(world, target.clientId)).toMatchObject({ dialogState: 'closed' });
    await world.drain();
  });

  test('close: says its text, closes the request; an already closed one is fine', async () => {
    const target = await world.clientWrites();
    const closes = () =>
      world.sandbox.requests.filter(
        (r) =>
          r.path === '/v1/requests/close' &&
          String((r.body as { client_id: unknown }).client_id) === target.clientId,
      ).length;
    const messages = await world.enqueue(target, [{ type: 'close', text: 'Bye!' }]);
    await world.drain();
    expect(world.received(target.clientId).map((m) => m.text)).toEqual(['Bye!']);
    expect(await clientView(world, target.clientId)).toMatchObject({ dialogState: 'closed' });
    expect(closes()).toBe(1);
    const calls = callsOf(world);
    expect((await world.handler(redeliveryEventOf(messages), testContext())).batchItemFailures).toEqual([]);
    expect(callsOf(world)).toBe(calls);
    // Another close of the same (closed) request is done, whatever Chat2Desk answers to it.
    await world.enqueue(target, [{ type: 'close' }]);
    await world.drain();
    expect(closes()).toBe(2);
    expect(await receiveAll(world.queues.outboundDlqUrl, world.sqs)).toHaveLength(0);
  });

  test('tags by name or id on the request and the client; an unknown one skipped', async () => {
    const target = await world.clientWrites();
    const dialog = await fetch(`${world.server.apiUrl}/v1/dialogs/${target.dialogId}`, {
      headers: { Authorization: world.token },
    });
    target.requestId = String(
      ((await dialog.json()) as { data: { last_request_id: number } }).data.last_request_id,
    );
    const tagReads = () => world.sandbox.requests.filter((r) => r.path === '/v1/tags').length;
    const readsBefore = tagReads();
    const messages = await world.enqueue(target, [
      { type: 'tags', tags: ['VIP', 'no such tag'] },
      { type: 'tags', tags: ['302'], target: 'client' },
    ]);
    await world.drain();
    expect((await clientView(world, target.clientId)).tags).toEqual(['vip', 'complaint']);
    expect(tagReads() - readsBefore).toBeGreaterThanOrEqual(1);
    const assigns = world.sandbox.requests.filter((r) => r.path === '/v1/tags/assign_to');
    expect(assigns.slice(-2).map((r) => r.body)).toEqual([
      { tag_ids: [301], assignee_type: 'request', assignee_id: Number(target.requestId) },
      { tag_ids: [302], assignee_type: 'client', assignee_id: Number(target.clientId) },
    ]);
    const calls = callsOf(world);
    await world.handler(redeliveryEventOf(messages), testContext());
    expect(callsOf(world)).toBe(calls);
  });

  test('client: the card shows the name, the comment and the custom fields', async () => {
    const target = await world.clientWrites();
    await world.enqueue(target, [
      { type: 'client', name: 'Maria Ivanova', comment: 'Prefers mornings', customFields: { '7': 'gold' } },
    ]);
    await world.drain();
    expect(await clientView(world, target.clientId)).toMatchObject({
      name: 'Maria Ivanova',
      comment: 'Prefers mornings',
      customFields: { '7': 'gold' },
    });
  });
});
