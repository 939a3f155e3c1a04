/**
 * The worker's side of a transfer that may stay with the bot: the transfer reply carries the
 * event's variables and request, and the connector's own event (`c2d: no operators online`),
 * queued on the inbound queue as the reply function queues it, reaches the agent once.
 */
import { createConnectorEvents } from '../../../shared/adapters/sqs/connector-events';
import { SERVICE_MESSAGE_NO_OPERATORS_ONLINE } from '../../../shared/domain/agent-contract';
import { closeDialogBody, closeRequestBody, dialogIdOf, inboxBody } from '../../support/webhook-events';
import { type Pipeline, startPipeline } from './pipeline';

let pipeline: Pipeline;
beforeAll(async () => {
  pipeline = await startPipeline();
});
afterAll(async () => {
  await pipeline.close();
});

test('a transfer that may stay carries the variables; the offline event reaches the agent once', async () => {
  const { channel, secret } = await pipeline.addChannel();
  const body = inboxBody({ client_id: 4242, text: 'a human please' });
  pipeline.agent.queue({
    replies: [
      { type: 'text', text: 'One moment' },
      { type: 'transfer', groupId: '501', whenOffline: 'stay', offlineText: 'Nobody is in' },
    ],
  });
  await pipeline.post(channel.id, secret, body);
  await pipeline.drainInbound();
  const [text, transfer] = await pipeline.outboundMessages();
  expect(text?.variables).toBeUndefined();
  expect(transfer).toMatchObject({
    target: { clientId: '4242', requestId: String(body.request_id), dialogId: String(body.dialog_id) },
    variables: {
      channel_visitor_id: '4242',
      channel_message_id: String(body.message_id),
      channel_visitor_firstname: 'Anna',
    },
  });

  // The reply function found nobody online: it queues the event (twice here, as a retry would).
  const events = createConnectorEvents({
    client: pipeline.queues.client,
    queueUrl: pipeline.queues.inboundUrl,
  });
  const raised = {
    channelId: channel.id,
    generation: channel.generation,
    replyId: transfer!.replyId,
    target: transfer!.target,
    variables: transfer!.variables!,
  };
  pipeline.agent.queue({ replies: [{ type: 'text', text: 'Leave your phone and we call back' }] });
  await events.noOperatorsOnline(raised);
  await pipeline.drainInbound();
  await events.noOperatorsOnline(raised);
  await pipeline.drainInbound();

  const offline = pipeline.agent
    .answered()
    .filter((e) => e.event.clientMessage === SERVICE_MESSAGE_NO_OPERATORS_ONLINE);
  expect(offline).toHaveLength(1);
  expect(offline[0]!.event).toEqual({
    eventId: `${transfer!.replyId}:noOperatorsOnline`,
    channel: { id: channel.id, type: 'chat2desk' },
    chatId: '4242|chat2desk',
    clientMessage: SERVICE_MESSAGE_NO_OPERATORS_ONLINE,
    attachments: [],
    variables: transfer!.variables,
  });
  const answered = await pipeline.outboundMessages();
  expect(answered).toHaveLength(1);
  expect(answered[0]).toMatchObject({
    reply: { type: 'text', text: 'Leave your phone and we call back' },
    target: { clientId: '4242', dialogId: String(body.dialog_id) },
  });
});

test('an offline event of a deactivated channel is skipped: no agent call', async () => {
  const { channel } = await pipeline.addChannel({ status: 'inactive' });
  const before = pipeline.agent.events.length;
  const events = createConnectorEvents({
    client: pipeline.queues.client,
    queueUrl: pipeline.queues.inboundUrl,
  });
  await events.noOperatorsOnline({
    channelId: channel.id,
    generation: channel.generation,
    replyId: 'ev-x:1',
    target: { clientId: '77' },
  });
  await pipeline.drainInbound();
  expect(pipeline.agent.events.length).toBe(before);
});

describe('close phrases and the return text', () => {
  test.each([
    ['a channel without a bot operator (the message routed away)', undefined],
    ["a bot operator channel (the message is the bot operator's but the dialog is with a human)", '1001'],
  ])('%s', async (_name, operatorId) => {
    const { channel, secret } = await pipeline.addChannel(operatorId ? { operatorId } : {});
    const clientId = operatorId ? 6262 : 6161;
    const dialogId = String(dialogIdOf(clientId));
    await pipeline.post(channel.id, secret, inboxBody({ client_id: clientId, text: 'hi' }));
    await pipeline.drainInbound();
    await pipeline.outboundMessages();
    // The reply function handed the dialog over with these options (the same write as the mark).
    await pipeline.workerDeps.conversations.transition(
      channel.id,
      dialogId,
      { to: 'human', reason: 'botTransfer', atMs: Date.now() - 60_000 },
      { id: `tr-${clientId}`, closePhrases: ['back to bot'], returnText: 'Welcome back' },
    );
    const calls = pipeline.agent.events.length;
    // The human's operator id (routed away), or the bot's own with the dialog marked human.
    const assigned = { operator_id: operatorId ? 1001 : 1002 };
    await pipeline.post(channel.id, secret, inboxBody({ client_id: clientId, text: 'thanks', ...assigned }));
    await pipeline.post(
      channel.id,
      secret,
      inboxBody({ client_id: clientId, text: '  Back  to BOT ', ...assigned }),
    );
    await pipeline.drainInbound();
    expect(pipeline.agent.events.length).toBe(calls);
    const closing = await pipeline.outboundMessages();
    expect(closing.map((m) => [m.replyId.endsWith(':closePhrase'), m.reply])).toEqual([
      [true, { type: 'close' }],
    ]);

    // Chat2Desk closes the request: the dialog is the bot's again, the return text is said once.
    await pipeline.post(channel.id, secret, closeDialogBody({ client_id: clientId }));
    await pipeline.post(channel.id, secret, closeRequestBody({ client_id: clientId }));
    await pipeline.drainInbound();
    const back = await pipeline.outboundMessages();
    expect(back.map((m) => [m.replyId, m.reply, m.target])).toEqual([
      [
        `tr-${clientId}:return`,
        { type: 'text', text: 'Welcome back' },
        { clientId: String(clientId), dialogId },
      ],
    ]);
    const conversation = await pipeline.workerDeps.conversations.find(channel.id, { dialogId });
    expect(conversation?.handoff).toBeUndefined();
    expect(conversation?.status?.state).toBe('closed');
  });
});
