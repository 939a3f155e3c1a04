/**
 * DESIGN §3 inv. 13: a stamp from the future cannot mute the bot. An `event_time` more than
 * MAX_FUTURE_SKEW_MS ahead of the time the webhook was received is clamped to that time.
 */
import { stateOf } from '../../../shared/adapters/dynamodb/conversation-store';
import { closeDialogBody, inboxBody, outboxBody } from '../../support/webhook-events';
import { type Pipeline, startPipeline } from './pipeline';

const OPERATOR = '12';
const YEAR_MS = 365 * 24 * 3600 * 1000;

describe('time stamps from the future', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline();
  });
  afterAll(async () => {
    await p.close();
  });
  beforeEach(() => p.agent.reset());

  it('a takeover stamped a year ahead, then a close now → the bot answers the next message', async () => {
    const { channel, secret } = await p.addChannel();
    const future = new Date(Date.now() + YEAR_MS).toISOString();
    await p.post(channel.id, secret, inboxBody({ client_id: 700, text: 'before' }));
    await p.post(
      channel.id,
      secret,
      outboxBody({ client_id: 700, operator_id: OPERATOR, event_time: future }),
    );
    await p.drainInbound({ batchSize: 1 });
    expect(stateOf(await p.workerDeps.conversations.find(channel.id, { clientId: '700' }))).toBe('human');

    // The close comes a moment later, stamped with the real time.
    await new Promise((r) => setTimeout(r, 20));
    await p.post(
      channel.id,
      secret,
      closeDialogBody({ client_id: 700, event_time: new Date().toISOString() }),
    );
    await p.post(channel.id, secret, inboxBody({ client_id: 700, text: 'after close' }));
    await p.drainInbound({ batchSize: 1 });

    expect(stateOf(await p.workerDeps.conversations.find(channel.id, { clientId: '700' }))).toBe('closed');
    expect(p.agent.eventsFor('700|chat2desk').map((e) => e.event.clientMessage)).toEqual([
      'before',
      'after close',
    ]);
  });

  it('a stamp a little ahead (within the allowed skew) keeps its order against a close now', async () => {
    const { channel, secret } = await p.addChannel();
    const soon = new Date(Date.now() + 60_000).toISOString();
    await p.post(channel.id, secret, inboxBody({ client_id: 701, text: 'before' }));
    await p.post(channel.id, secret, outboxBody({ client_id: 701, operator_id: OPERATOR, event_time: soon }));
    await p.post(
      channel.id,
      secret,
      closeDialogBody({ client_id: 701, event_time: new Date().toISOString() }),
    );
    await p.post(channel.id, secret, inboxBody({ client_id: 701, text: 'still muted' }));
    await p.drainInbound({ batchSize: 1 });
    // The close is older than the takeover by Chat2Desk's clock: the takeover stands.
    expect(stateOf(await p.workerDeps.conversations.find(channel.id, { clientId: '701' }))).toBe('human');
    expect(p.agent.eventsFor('701|chat2desk').map((e) => e.event.clientMessage)).toEqual(['before']);
  });
});
