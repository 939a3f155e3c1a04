/**
 * Our own echo is recognised by the channel's signed external id, not by a prefix: an `outbox`
 * whose external id merely starts with `send:` is a human's message (another integration of the
 * account); the echo of a message this channel sent is ours. Through the webhook handler, the
 * inbound queue and the worker.
 */
import { stateOf } from '../../../shared/adapters/dynamodb/conversation-store';
import { ownExternalId } from '../../../shared/conversations/own-external-id';
import { inboxBody, outboxBody } from '../../support/webhook-events';
import { type Pipeline, startPipeline } from './pipeline';

const OTHER = '12';

describe('own external ids', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline();
  });
  afterAll(async () => {
    await p.close();
  });
  beforeEach(() => p.agent.reset());

  it('an outbox with external_id "send:xyz" not made by this channel is a takeover: the bot goes silent', async () => {
    const { channel, secret } = await p.addChannel();
    await p.post(channel.id, secret, inboxBody({ client_id: 510, text: 'hello bot' }));
    await p.drainInbound();
    await p.post(
      channel.id,
      secret,
      outboxBody({ client_id: 510, operator_id: OTHER, text: 'a human here', external_id: 'send:xyz' }),
    );
    await p.post(channel.id, secret, inboxBody({ client_id: 510, text: 'while human' }));
    await p.drainInbound({ batchSize: 1 });
    expect(p.agent.eventsFor('510|chat2desk').map((e) => e.event.clientMessage)).toEqual(['hello bot']);
    expect(stateOf(await p.workerDeps.conversations.find(channel.id, { clientId: '510' }))).toBe('human');
  });

  it("the echo of this channel's own message (signed external id) is ours: the bot keeps the dialog", async () => {
    const { channel, secret } = await p.addChannel();
    await p.post(channel.id, secret, inboxBody({ client_id: 520, text: 'hello bot' }));
    await p.drainInbound();
    const externalId = ownExternalId(p.webhookKey, channel.id, 'send:4b1c2d3e:0');
    await p.post(
      channel.id,
      secret,
      outboxBody({
        client_id: 520,
        operator_id: OTHER,
        text: 'the bot wrote first',
        external_id: externalId,
      }),
    );
    await p.post(channel.id, secret, inboxBody({ client_id: 520, text: 'still the bot?' }));
    await p.drainInbound({ batchSize: 1 });
    expect(p.agent.eventsFor('520|chat2desk').map((e) => e.event.clientMessage)).toEqual([
      'hello bot',
      'still the bot?',
    ]);
    expect(stateOf(await p.workerDeps.conversations.find(channel.id, { clientId: '520' }))).toBe('bot');
  });
});
