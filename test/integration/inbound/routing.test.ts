/**
 * DESIGN §4.3 routing, the service message, own echoes and human takeover, end to end through the
 * webhook handler, the inbound queue and the worker.
 */
import { stateOf } from '../../../shared/adapters/dynamodb/conversation-store';
import { SERVICE_MESSAGE_DIALOG_CLOSED } from '../../../shared/domain/agent-contract';
import {
  closeDialogBody,
  closeRequestBody,
  dialogTransferredBody,
  inboxBody,
  outboxBody,
} from '../../support/webhook-events';
import { type Pipeline, startPipeline } from './pipeline';

const BOT = '900';
const OTHER = '12';

describe('inbound routing', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline();
  });
  afterAll(async () => {
    await p.close();
  });
  beforeEach(() => p.agent.reset());

  // channel operatorId × event operator_id → reaches the agent?
  it.each([
    [undefined, null, true],
    [undefined, BOT, false],
    [undefined, OTHER, false],
    [BOT, null, false],
    [BOT, BOT, true],
    [BOT, Number(BOT), true],
    [BOT, OTHER, false],
  ])(
    'channel operator %s, event operator %s → agent called: %s',
    async (channelOperator, eventOperator, called) => {
      const { channel, secret } = await p.addChannel(channelOperator ? { operatorId: channelOperator } : {});
      await p.post(
        channel.id,
        secret,
        inboxBody({ client_id: 100, operator_id: eventOperator, text: 'route me' }),
      );
      await p.drainInbound();
      expect(p.agent.events).toHaveLength(called ? 1 : 0);
    },
  );

  it.each([
    [true, [SERVICE_MESSAGE_DIALOG_CLOSED]],
    [false, []],
  ])('service messages %s: a closed dialog reaches the agent as %j', async (serviceMessages, expected) => {
    const { channel, secret } = await p.addChannel({ serviceMessages });
    await p.post(channel.id, secret, closeDialogBody({ client_id: 200 }));
    await p.drainInbound();
    expect(p.agent.events.map((e) => e.event.clientMessage)).toEqual(expected);
    if (serviceMessages) {
      expect(p.agent.events[0]?.event.chatId).toBe('200|chat2desk');
      expect(p.agent.events[0]?.event.variables.channel_visitor_id).toBe('200');
    }
  });

  it('a closure reported as close_dialog and close_request reaches the agent once; either ends a takeover', async () => {
    const { channel, secret } = await p.addChannel({ serviceMessages: true });
    await p.post(channel.id, secret, outboxBody({ client_id: 210, operator_id: OTHER }));
    await p.post(channel.id, secret, closeRequestBody({ client_id: 210 }));
    await p.drainInbound({ batchSize: 1 });
    expect(stateOf(await p.workerDeps.conversations.find(channel.id, { clientId: '210' }))).toBe('closed');
    await p.post(channel.id, secret, closeDialogBody({ client_id: 210 }));
    await p.drainInbound({ batchSize: 1 });
    expect(p.agent.events.map((e) => e.event.clientMessage)).toEqual([SERVICE_MESSAGE_DIALOG_CLOSED]);
  });

  it('a close carrying another operator is not delivered to a bot-operator channel', async () => {
    const { channel, secret } = await p.addChannel({ serviceMessages: true, operatorId: BOT });
    await p.post(channel.id, secret, closeDialogBody({ client_id: 201, operator_id: OTHER }));
    await p.post(channel.id, secret, closeDialogBody({ client_id: 202, operator_id: BOT }));
    await p.drainInbound();
    expect(p.agent.events.map((e) => e.event.chatId)).toEqual(['202|chat2desk']);
  });

  it('our own outbox echo is ignored and does not mute the bot', async () => {
    const { channel, secret } = await p.addChannel();
    const echo = outboxBody({ client_id: 300, operator_id: OTHER });
    await p.workerDeps.ownMessages.recordOwnMessage(channel.id, String(echo.message_id));
    await p.post(channel.id, secret, echo);
    await p.post(channel.id, secret, inboxBody({ client_id: 300, text: 'still the bot?' }));
    await p.drainInbound();
    expect(p.agent.events.map((e) => e.event.clientMessage)).toEqual(['still the bot?']);
    expect(stateOf(await p.workerDeps.conversations.find(channel.id, { clientId: '300' }))).toBe('bot');
  });

  it("an operator's message mutes the agent for that client until the dialog is closed", async () => {
    const { channel, secret } = await p.addChannel();
    await p.post(channel.id, secret, inboxBody({ client_id: 400, text: 'before' }));
    await p.post(channel.id, secret, outboxBody({ client_id: 400, operator_id: OTHER }));
    await p.post(channel.id, secret, inboxBody({ client_id: 400, text: 'while human' }));
    await p.post(channel.id, secret, inboxBody({ client_id: 401, text: 'other client' }));
    await p.post(channel.id, secret, closeDialogBody({ client_id: 400 }));
    await p.post(channel.id, secret, inboxBody({ client_id: 400, text: 'after close' }));
    await p.drainInbound({ batchSize: 1 });
    expect(p.agent.events.map((e) => e.event.clientMessage).sort()).toEqual(
      ['after close', 'before', 'other client'].sort(),
    );
    expect(p.agent.eventsFor('400|chat2desk').map((e) => e.event.clientMessage)).toEqual([
      'before',
      'after close',
    ]);
  });

  it('a transfer to another operator mutes the agent; a transfer back to the bot operator unmutes it', async () => {
    const { channel, secret } = await p.addChannel({ operatorId: BOT });
    await p.post(channel.id, secret, dialogTransferredBody({ client_id: 500, operator_id: OTHER }));
    await p.post(channel.id, secret, inboxBody({ client_id: 500, operator_id: BOT, text: 'muted' }));
    await p.post(channel.id, secret, dialogTransferredBody({ client_id: 500, operator_id: BOT }));
    await p.post(channel.id, secret, inboxBody({ client_id: 500, operator_id: BOT, text: 'back' }));
    await p.drainInbound();
    expect(p.agent.events.map((e) => e.event.clientMessage)).toEqual(['back']);
  });

  it('deliveries to an inactive channel, or to a webhook URL of an older generation, are refused: 404, nothing queued', async () => {
    const inactive = await p.addChannel({ status: 'inactive' });
    const toInactive = await p.post(inactive.channel.id, inactive.secret, inboxBody({ client_id: 600 }));
    const reactivated = await p.addChannel({ generation: 1 });
    // The channel was deactivated and activated again (or moved to another account) since this URL was registered.
    await p.addChannel({ ...reactivated.channel, generation: 2 });
    const toRetired = await p.post(reactivated.channel.id, reactivated.secret, inboxBody({ client_id: 601 }));
    expect([toInactive.statusCode, toRetired.statusCode]).toEqual([404, 404]);
    const drained = await p.drainInbound();
    expect(drained.succeeded).toBe(0);
    expect(p.agent.events).toHaveLength(0);
  });

  it('an unparseable body is dropped (not retried, not in the DLQ); unknown hook types are skipped', async () => {
    const { channel, secret } = await p.addChannel();
    await p.post(channel.id, secret, { hook_type: 'inbox', client_id: 'not-a-number', message_id: 1 });
    await p.post(channel.id, secret, { hook_type: 'new_client', id: 5 });
    const drained = await p.drainInbound();
    expect(drained).toMatchObject({ succeeded: 2, failed: 0 });
    expect(await p.inboundDlqCount()).toBe(0);
    expect(p.agent.events).toHaveLength(0);
  });

  it('acknowledges every hook type Chat2Desk sends and calls the agent for none but a client message; an imported message or a comment is no takeover', async () => {
    const { channel, secret } = await p.addChannel({ operatorId: BOT });
    const hookTypes = [
      'new_client',
      'new_request',
      'add_tag_to_request',
      'delete_tag_from_request',
      'client_updated',
      'comment',
      'system_message',
      'imported_message',
      'operator_status_updated',
      'outbox_status',
      'new_qr_code',
      'new_ticket',
      'ticket_updated',
      'ticket_deleted',
      'client_added_to_blacklist',
      'a_hook_type_nobody_knows',
    ];
    // Shaped like a message a human wrote to the client in the bot's dialog: only the hook type differs.
    for (const hookType of hookTypes) {
      const response = await p.post(
        channel.id,
        secret,
        inboxBody({ hook_type: hookType, client_id: 650, operator_id: OTHER, type: 'to_client', text: 'hi' }),
      );
      expect([hookType, response.statusCode]).toEqual([hookType, 200]);
    }
    const drained = await p.drainInbound();
    expect(drained).toMatchObject({ succeeded: hookTypes.length, failed: 0 });
    expect(p.agent.events).toHaveLength(0);

    // The dialog is still the bot's: the client's next message is answered.
    await p.post(channel.id, secret, inboxBody({ client_id: 650, operator_id: BOT, text: 'still the bot?' }));
    await p.drainInbound();
    expect(p.agent.events.map((e) => e.event.clientMessage)).toEqual(['still the bot?']);
  });

  it('maps a Chat2Desk message to the agent event row by row', async () => {
    const { channel, secret } = await p.addChannel();
    const body = inboxBody({
      client_id: '700',
      operator_id: null,
      dialog_id: 701,
      text: 'Hi <b>there</b><br>line 2',
      photo: 'https://storage.chat2desk.com/a/photo.jpg',
      coordinates: '55.7558,37.6173',
      client: { id: 700, phone: '[tg] 8078', client_phone: '+7 999 000-11-22', name: 'Ivan' },
    });
    await p.post(channel.id, secret, body);
    await p.drainInbound();
    expect(p.agent.events).toHaveLength(1);
    expect(p.agent.events[0]?.agentId).toBe('agent-1');
    expect(p.agent.events[0]?.event).toEqual({
      eventId: `${channel.id}:inbox:${body.message_id}`,
      channel: { id: channel.id, type: 'chat2desk' },
      chatId: '700|chat2desk',
      clientMessage: 'Hi there\nline 2',
      attachments: [{ kind: 'image', url: 'https://storage.chat2desk.com/a/photo.jpg' }],
      location: { latitude: 55.7558, longitude: 37.6173 },
      variables: {
        channel_message_id: String(body.message_id),
        channel_visitor_id: '700',
        channel_conversation_id: '701',
        channel_visitor_phone: '+7 999 000-11-22',
        channel_visitor_firstname: 'Ivan',
      },
    });
  });
});
