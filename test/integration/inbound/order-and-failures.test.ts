/**
 * DESIGN §3 inv. 2 + 4: per-conversation order under concurrency; an agent outage is survived
 * without loss, a permanent agent failure ends in the DLQ (or, with a fallback group, in a
 * hand-over to humans), and a poison conversation does not stall the others.
 */
import { toChatId } from '../../../shared/domain/channel';
import { pollOnce, receiveAll, testContext } from '../../support/sqs-driver';
import { inboxBody } from '../../support/webhook-events';
import { type Pipeline, startPipeline } from './pipeline';

describe('order per conversation', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline();
  });
  afterAll(async () => {
    await p.close();
  });

  it('20 dialogs × 5 messages sent concurrently reach the agent in order per dialog', async () => {
    const { channel, secret } = await p.addChannel();
    const dialogs = Array.from({ length: 20 }, (_, d) => 30_000 + d);
    // Chat2Desk sends one client's messages one after another; different clients concurrently.
    const sendDialog = async (clientId: number) => {
      for (let n = 1; n <= 5; n += 1) {
        const response = await p.post(
          channel.id,
          secret,
          inboxBody({ client_id: clientId, dialog_id: clientId + 1, text: `m${n}` }),
        );
        expect(response.statusCode).toBe(200);
      }
    };
    await Promise.all(dialogs.map(sendDialog));
    await p.drainInbound({ concurrency: 3, timeoutMs: 60_000 });

    expect(p.agent.answered()).toHaveLength(100);
    for (const clientId of dialogs) {
      const texts = p.agent.eventsFor(toChatId(String(clientId))).map((e) => e.event.clientMessage);
      expect(texts).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    }
    // Replies are queued in the same order, per conversation.
    const outbound = await p.outboundMessages();
    expect(outbound).toHaveLength(100);
    for (const clientId of dialogs) {
      const texts = outbound
        .filter((m) => m.target.clientId === String(clientId))
        .map((m) => (m.reply.type === 'text' ? m.reply.text : ''));
      expect(texts).toEqual(['echo: m1', 'echo: m2', 'echo: m3', 'echo: m4', 'echo: m5']);
    }
  }, 90_000);
});

describe('agent failures', () => {
  it('an agent answering 503 for a while: delivered after recovery, in order, nothing in the DLQ', async () => {
    const p = await startPipeline({ agentMaxAttempts: 2 });
    try {
      const { channel, secret } = await p.addChannel();
      // 2 attempts per delivery: the first two deliveries fail, the third gets through.
      p.agent.failNext(4, { status: 503 });
      await p.post(channel.id, secret, inboxBody({ client_id: 41, text: 'one' }));
      await p.post(channel.id, secret, inboxBody({ client_id: 41, text: 'two' }));
      const drained = await p.drainInbound();
      expect(drained.failed).toBeGreaterThanOrEqual(2);
      expect(p.agent.answered().map((e) => e.event.clientMessage)).toEqual(['one', 'two']);
      expect(await p.inboundDlqCount()).toBe(0);
      expect((await p.outboundMessages()).map((m) => m.index)).toEqual([0, 0]);
    } finally {
      await p.close();
    }
  });

  it('an agent answering 400 sends the record to the DLQ at once, with its reason; one call; the others go on', async () => {
    const p = await startPipeline({ queues: { maxReceiveCount: 5 }, agentMaxAttempts: 3 });
    try {
      const { channel, secret } = await p.addChannel();
      p.agent.byText('poison', { status: 400 });
      await p.post(channel.id, secret, inboxBody({ client_id: 51, text: 'poison' }));
      await p.post(channel.id, secret, inboxBody({ client_id: 51, text: 'after the poison' }));
      await p.post(channel.id, secret, inboxBody({ client_id: 52, text: 'healthy' }));
      await p.drainInbound();
      const poisonCalls = p.agent.events.filter((e) => e.event.clientMessage === 'poison');
      // Decided once: no retry in the delivery, no redelivery.
      expect(poisonCalls).toHaveLength(1);
      const dead = await receiveAll(p.queues.inboundDlqUrl, p.queues.client, {
        MessageAttributeNames: ['All'],
      });
      expect(dead).toHaveLength(1);
      expect(dead[0]?.MessageAttributes?.FailureCode?.StringValue).toBe('AGENT_REJECTED');
      expect(dead[0]?.MessageAttributes?.FailureReason?.StringValue).toBe('agent API answered HTTP 400');
      expect(dead[0]?.MessageAttributes?.FailedBy?.StringValue).toBe('worker');
      expect(JSON.parse(dead[0]?.Body ?? '{}').body).toContain('"poison"');
      // The conversation's next message and the other conversation are answered.
      expect(
        p.agent
          .answered()
          .map((e) => e.event.clientMessage)
          .sort(),
      ).toEqual(['after the poison', 'healthy']);
    } finally {
      await p.close();
    }
  });

  it('an invalid agent answer is permanent too', async () => {
    const p = await startPipeline({ queues: { maxReceiveCount: 1 } });
    try {
      const { channel, secret } = await p.addChannel();
      p.agent.queue({ rawBody: '{"replies":[{"type":"video"}]}' }, { rawBody: 'not json' });
      await p.post(channel.id, secret, inboxBody({ client_id: 61, text: 'x' }));
      await p.drainInbound();
      expect(p.agent.events).toHaveLength(1);
      expect(await p.inboundDlqCount()).toBe(1);
      expect(await p.outboundMessages()).toEqual([]);
    } finally {
      await p.close();
    }
  });

  it('with a fallback operator group, a permanent failure hands the client to humans instead of the DLQ', async () => {
    const p = await startPipeline({ fallbackOperatorGroupId: '77' });
    try {
      const { channel, secret } = await p.addChannel();
      p.agent.queue({ status: 400 });
      const body = inboxBody({ client_id: 71, text: 'help' });
      await p.post(channel.id, secret, body);
      const drained = await p.drainInbound();
      expect(drained.failed).toBe(0);
      expect(await p.inboundDlqCount()).toBe(0);
      const outbound = await p.outboundMessages();
      expect(outbound).toHaveLength(1);
      expect(outbound[0]?.replyId).toBe(`${channel.id}:inbox:${body.message_id}:fallback`);
      expect(outbound[0]?.reply).toEqual({ type: 'transfer', groupId: '77' });
      expect(outbound[0]?.target.lastInboundMessageId).toBe(String(body.message_id));
    } finally {
      await p.close();
    }
  });
});

describe('conversations of one batch', () => {
  it('are handled concurrently: a slow agent call in one does not hold the others', async () => {
    const p = await startPipeline();
    try {
      const { channel, secret } = await p.addChannel();
      p.agent.byText('think', { delayMs: 800, replies: [{ type: 'text', text: 'thought' }] });
      for (const clientId of [101, 102, 103]) {
        await p.post(channel.id, secret, inboxBody({ client_id: clientId, text: 'think' }));
      }
      const polled = await pollOnce(p.queues.inboundUrl, (event) => p.worker(event, testContext()), {
        client: p.queues.client,
        visibilityTimeout: 30,
      });
      expect(polled).toEqual({ received: 3, succeeded: 3, failed: 0 });
      // Every call reached the agent before the first of them was answered.
      const arrivals = p.agent.events.map((e) => e.receivedAt);
      expect(arrivals).toHaveLength(3);
      expect(Math.max(...arrivals) - Math.min(...arrivals)).toBeLessThan(800);
    } finally {
      await p.close();
    }
  });
});

describe('the time budget', () => {
  it('a record is not started without time for it: failed back untried and visible again at once', async () => {
    const p = await startPipeline();
    try {
      const { channel, secret } = await p.addChannel();
      for (const clientId of [81, 82, 83])
        await p.post(channel.id, secret, inboxBody({ client_id: clientId, text: 'hi' }));
      // 2.5 s left, 3 s needed per record: nothing starts.
      const short = await pollOnce(p.queues.inboundUrl, (event) => p.worker(event, testContext(2_500)), {
        client: p.queues.client,
        visibilityTimeout: 60,
      });
      expect(short).toEqual({ received: 3, succeeded: 0, failed: 3 });
      expect(p.agent.events).toHaveLength(0);
      // Not after the 60-s visibility timeout: they come back now, and are answered once each.
      const started = Date.now();
      const next = await pollOnce(p.queues.inboundUrl, (event) => p.worker(event, testContext(60_000)), {
        client: p.queues.client,
      });
      expect(next).toEqual({ received: 3, succeeded: 3, failed: 0 });
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(p.agent.events.map((e) => e.event.chatId).sort()).toEqual([
        '81|chat2desk',
        '82|chat2desk',
        '83|chat2desk',
      ]);
    } finally {
      await p.close();
    }
  });

  it('calls that time out are capped per message over all deliveries (AGENT_MAX_ATTEMPTS), then the DLQ', async () => {
    const p = await startPipeline({ agentMaxAttempts: 2 });
    try {
      const { channel, secret } = await p.addChannel();
      // Past the 2-s agent timeout of the pipeline: every call ends without an answer.
      p.agent.byText('slow forever', { delayMs: 2_500, replies: [] });
      await p.post(channel.id, secret, inboxBody({ client_id: 91, text: 'slow forever' }));
      for (let delivery = 0; delivery < 3; delivery += 1) {
        await pollOnce(p.queues.inboundUrl, (event) => p.worker(event, testContext()), {
          client: p.queues.client,
          visibilityTimeout: 0,
        });
      }
      // One call per delivery (a timeout is not retried in the invocation); the third finds two spent.
      expect(p.agent.events).toHaveLength(2);
      const dead = await receiveAll(p.queues.inboundDlqUrl, p.queues.client, {
        MessageAttributeNames: ['All'],
      });
      expect(dead.map((m) => m.MessageAttributes?.FailureCode?.StringValue)).toEqual([
        'AGENT_ATTEMPTS_EXHAUSTED',
      ]);
    } finally {
      await p.close();
    }
  });
});
