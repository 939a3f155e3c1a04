/**
 * `outbox_status`: a messenger's refusal of one of our replies is found by its message id (the
 * record the reply function writes) or by our external id, against DynamoDB Local; anything else
 * is skipped by name, a status without an error before the channel is read.
 */
import { createInboundEventHandler } from '../../../shared/inbound/handle-inbound-event';
import { type Pipeline, startPipeline } from './pipeline';

describe('outbox_status', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline();
  });
  afterAll(async () => {
    await p.close();
  });

  const record = (channelId: string, body: Record<string, unknown>) =>
    JSON.stringify({
      v: 1,
      channelId,
      generation: 1,
      receivedAt: new Date().toISOString(),
      body: JSON.stringify({ hook_type: 'outbox_status', client_id: 700, dialog_id: 5001, ...body }),
    });

  it('names the refused reply by the message id recorded with it, or by our external id', async () => {
    const { channel } = await p.addChannel();
    const handle = createInboundEventHandler(p.workerDeps);
    await p.workerDeps.ownMessages.recordOwnMessage(channel.id, '880001', `${channel.id}:inbox:77:0`);

    expect(
      await handle(record(channel.id, { message_id: 880001, status: 'error', error: 'window' })),
    ).toEqual({
      outcome: 'deliveryFailed',
      replyId: `${channel.id}:inbox:77:0`,
    });
    expect(
      await handle(
        record(channel.id, {
          message_id: '880002',
          state: 'failed',
          extra_data: { external_id: `${channel.id}:inbox:78:0#1` },
        }),
      ),
    ).toEqual({ outcome: 'deliveryFailed', replyId: `${channel.id}:inbox:78:0` });
    // An error about a message that is not ours (an operator's, or one recorded before reply ids).
    await p.workerDeps.ownMessages.recordOwnMessage(channel.id, '880003');
    for (const messageId of [880003, 880004]) {
      expect(
        await handle(record(channel.id, { message_id: messageId, status: 'error', error: 'x' })),
      ).toEqual({
        outcome: 'skipped',
        reason: 'NotOurMessage',
      });
    }
  });

  it('skips a status that is no error without reading the channel', async () => {
    const { channel } = await p.addChannel();
    let channelReads = 0;
    const handle = createInboundEventHandler({
      ...p.workerDeps,
      channels: {
        ...p.workerDeps.channels,
        get: async (...args: Parameters<typeof p.workerDeps.channels.get>) => {
          channelReads += 1;
          return p.workerDeps.channels.get(...args);
        },
      },
    });
    expect(await handle(record(channel.id, { message_id: 880010, status: 'delivered' }))).toEqual({
      outcome: 'skipped',
      reason: 'OutboxStatus',
    });
    expect(channelReads).toBe(0);
  });
});
