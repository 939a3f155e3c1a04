/**
 * DESIGN §3 inv. 1 + 3: stored before the 200, and exactly one agent call per Chat2Desk message
 * across Chat2Desk's retries (concurrent duplicates, a retry after SQS's 5-minute dedup window)
 * and across a crash between the agent's answer and the enqueue of the replies — and all that in
 * one record per message: the call, its answer and the count of calls that ended without one.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { agentCallKey } from '../../../shared/adapters/agent/agent-call-once';
import { inboundQueueRouting } from '../../../shared/adapters/sqs/inbound-queue';
import type { InboundQueueMessage } from '../../../shared/domain/queue-messages';
import { inboxBody } from '../../support/webhook-events';
import { AGENT_API_KEY, type Pipeline, startPipeline } from './pipeline';

describe('exactly one agent call per Chat2Desk message', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline();
  });
  afterAll(async () => {
    await p.close();
  });
  beforeEach(() => p.agent.reset());

  it('the same webhook delivered 4 times (2 concurrent, 1 later, 1 after the FIFO dedup window) calls the agent once', async () => {
    const { channel, secret } = await p.addChannel();
    const body = inboxBody({ client_id: 1001, text: 'Where is my order?' });
    const raw = JSON.stringify(body);

    // Two deliveries at once (Chat2Desk timed out on the first and retried), both acknowledged.
    const concurrent = await Promise.all([p.post(channel.id, secret, raw), p.post(channel.id, secret, raw)]);
    expect(concurrent.map((r) => r.statusCode)).toEqual([200, 200]);
    await p.drainInbound();
    // The 10-second retry, after the first was handled.
    expect((await p.post(channel.id, secret, raw)).statusCode).toBe(200);
    await p.drainInbound();
    // The 2-hour retry: SQS's 5-minute dedup window is over, so the queue takes it again
    // (simulated with a fresh deduplication id); only the dedup record can stop it now.
    const message: InboundQueueMessage = {
      v: 1,
      channelId: channel.id,
      generation: 1,
      receivedAt: new Date().toISOString(),
      body: raw,
    };
    const routing = inboundQueueRouting(channel.id, body, raw, p.webhookKey);
    await p.queues.client.send(
      new SendMessageCommand({
        QueueUrl: p.queues.inboundUrl,
        MessageBody: JSON.stringify(message),
        MessageGroupId: routing.groupId,
        MessageDeduplicationId: `${routing.deduplicationId}-after-window`,
      }),
    );
    const drained = await p.drainInbound();
    expect(drained.succeeded).toBe(1);

    const eventId = `${channel.id}:inbox:${body.message_id}`;
    expect(p.agent.callCount(eventId)).toBe(1);
    expect(p.agent.events[0]?.authorization).toBe(`Bearer ${AGENT_API_KEY}`);
    // The recorded answer was re-queued with the same reply id: the reply function sends it once.
    const outbound = await p.outboundMessages();
    expect(outbound.length).toBeGreaterThanOrEqual(1);
    expect(new Set(outbound.map((m) => m.replyId))).toEqual(new Set([`${eventId}:0`]));
    expect(await p.inboundDlqCount()).toBe(0);
  });

  it('a crash after the agent answered but before the replies were queued reuses the recorded answer', async () => {
    let crashes = 1;
    const crashing = await startPipeline({
      wrapOutbound: (queue) => ({
        enqueue: async (messages) => {
          if (crashes > 0) {
            crashes -= 1;
            throw new Error('simulated crash before the enqueue');
          }
          return queue.enqueue(messages);
        },
      }),
    });
    try {
      const { channel, secret } = await crashing.addChannel();
      crashing.agent.queue({
        replies: [
          { type: 'text', text: 'first' },
          { type: 'text', text: 'second' },
        ],
      });
      const body = inboxBody({ client_id: 2002, text: 'hello' });
      expect((await crashing.post(channel.id, secret, body)).statusCode).toBe(200);
      const drained = await crashing.drainInbound();
      expect(drained.failed).toBe(1);
      expect(drained.succeeded).toBe(1);

      const eventId = `${channel.id}:inbox:${body.message_id}`;
      expect(crashing.agent.callCount(eventId)).toBe(1);
      const outbound = await crashing.outboundMessages();
      expect(outbound.map((m) => [m.replyId, m.reply])).toEqual([
        [`${eventId}:0`, { type: 'text', text: 'first' }],
        [`${eventId}:1`, { type: 'text', text: 'second' }],
      ]);
      expect(outbound[0]?.target).toEqual({
        clientId: '2002',
        transport: 'telegram',
        c2dChannelId: '31',
        dialogId: String(body.dialog_id),
        lastInboundMessageId: String(body.message_id),
        requestId: String(body.request_id),
      });
    } finally {
      await crashing.close();
    }
  });

  it('one record per message: the call, its answer and the count of unanswered calls, no other item', async () => {
    const { channel, secret } = await p.addChannel();
    // A call that times out (the agent may have acted on it) is counted; the next attempt is answered.
    p.agent.failNext(1, { delayMs: 2_500 });
    const body = inboxBody({ client_id: 2003, text: 'count me' });
    expect((await p.post(channel.id, secret, body)).statusCode).toBe(200);
    await p.drainInbound();
    const eventId = `${channel.id}:inbox:${body.message_id}`;
    expect(p.agent.callCount(eventId)).toBe(2);

    const get = async (pk: string) =>
      (await p.documentClient.send(new GetCommand({ TableName: p.table.name, Key: { pk } }))).Item;
    expect(await get(agentCallKey(eventId))).toMatchObject({
      status: 'COMPLETED',
      calls: 1,
      data: { replies: [{ type: 'text' }] },
    });
    expect(await get(`calls#${eventId}`)).toBeUndefined();
  });
});
