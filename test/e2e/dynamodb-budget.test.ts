/**
 * What one client message costs in DynamoDB and SQS on the happy path (a known dialog, one text reply, its
 * echo), counted by a proxy in front of DynamoDB Local while the whole local stack runs — and that
 * the guarantees still hold while it costs that little: the agent called once per message, each
 * reply sent once, the echo recognised (the bot is not muted by its own message).
 *
 * Per message: the worker reads the conversation and writes its one agent-call record twice (the
 * claim, which returns the count of unanswered calls with it, and the answer); the reply function
 * reads the last part's record and the conversation in one request, writes the send intent (its
 * claim), then the part's record and the own message id in one request. Nothing else of ours: no counter write, no delivered record, no
 * earlier-version mark. Records of other features (e.g. a shared rate limit) are not counted here.
 *
 * SQS, counted by a proxy in front of fauxqs (receives that returned nothing are the pollers' idle
 * long polls, not counted): the message is sent, received and deleted once on each queue; its echo
 * (our external id, with the channel's MAC) is dropped by the webhook, never queued.
 */
import { randomBytes } from 'node:crypto';
import { type RunningProxy, startAwsProxy } from '../../bench/support/counting-proxy';
import { type LocalStack, startLocalStack } from '../../infra/local/runtime/stack';
import { createActiveChannel } from './helpers';

const OURS = ['idem', 'calls', 'conv', 'sent', 'intent', 'echo', 'dialog', 'req', 'cli'];

function queueOf(url: unknown): string {
  const name = typeof url === 'string' ? url.slice(url.lastIndexOf('/') + 1) : '';
  return /-(inbound|outbound)(-dlq)?\.fifo$/.exec(name)?.slice(1).join('') ?? 'other';
}

describe('DynamoDB requests per client message', () => {
  let stack: LocalStack;
  let proxy: RunningProxy;
  let sqsProxy: RunningProxy;
  const sqsCounts = new Map<string, number>();
  let counting = false;
  const counts = new Map<string, number>();

  beforeAll(async () => {
    proxy = await startAwsProxy({
      upstream: process.env.AWS_ENDPOINT_URL_DYNAMODB!,
      onExchange: (e) => {
        if (!counting) return;
        const body = JSON.parse(e.requestBody) as {
          Key?: { pk?: { S?: string } };
          Item?: { pk?: { S?: string } };
          ConsistentRead?: boolean;
          RequestItems?: Record<
            string,
            | { Keys: { pk?: { S?: string } }[]; ConsistentRead?: boolean }
            | { PutRequest?: { Item: { pk?: { S?: string } } } }[]
          >;
        };
        // A batch is one request: named by the kinds of the items it holds, in order.
        const batch = Object.values(body.RequestItems ?? {})[0];
        const pks = batch
          ? Array.isArray(batch)
            ? batch.map((r) => r.PutRequest?.Item.pk?.S ?? '')
            : batch.Keys.map((k) => k.pk?.S ?? '')
          : [body.Key?.pk?.S ?? body.Item?.pk?.S ?? ''];
        const kinds = pks.map((pk) => pk.split('#')[0] ?? '');
        if (!kinds.some((kind) => OURS.includes(kind))) return;
        const consistent = batch && !Array.isArray(batch) ? batch.ConsistentRead : body.ConsistentRead;
        const key = `${e.target} ${kinds.join('+')}${consistent ? ' consistent' : ''}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      },
    });
    sqsProxy = await startAwsProxy({
      upstream: process.env.AWS_ENDPOINT_URL_SQS!,
      onExchange: (e) => {
        if (!counting) return;
        const body = JSON.parse(e.requestBody) as { QueueUrl?: string };
        if (e.target === 'ReceiveMessage') {
          const received = (JSON.parse(e.responseBody || '{}') as { Messages?: unknown[] }).Messages ?? [];
          if (received.length === 0) return;
        }
        const key = `${e.target} ${queueOf(body.QueueUrl)}`;
        sqsCounts.set(key, (sqsCounts.get(key) ?? 0) + 1);
      },
    });
    stack = await startLocalStack({
      port: 0,
      inMemory: true,
      quiet: true,
      prefix: `budget-${process.pid}`,
      emulators: { dynamodbEndpoint: proxy.url, sqsEndpoint: sqsProxy.url },
      healerIntervalMs: 0,
      report: () => undefined,
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await proxy?.stop();
    await sqsProxy?.stop();
  });

  async function replyArrives(token: string, client: string, text: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (!stack.sandbox.transcript(token, client).some((m) => m.direction === 'out' && m.text === text)) {
      if (Date.now() > deadline) throw new Error(`no reply "${text}"`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // The reply's records are written right after the send returns, the echo handled after it.
    await stack.sandbox.idle(10_000);
    await new Promise((r) => setTimeout(r, 600));
  }

  it('is 3 reads and 5 writes and 6 SQS requests on the happy path, with nothing sent twice and the echo known', async () => {
    const token = `c2dtesttoken-budget-${randomBytes(8).toString('hex')}`;
    await createActiveChannel(stack.url, token);
    const client = '510001';
    // The first message teaches the dialog (link writes) and warms the channel cache.
    await stack.sandbox.clientMessage(token, client, { text: 'warm-up' });
    await replyArrives(token, client, 'You said: warm-up');

    const messages = 3;
    const agentCallsBefore = stack.agent.events.length;
    counting = true;
    for (let i = 0; i < messages; i += 1) {
      await stack.sandbox.clientMessage(token, client, { text: `budget ${i}` });
      await replyArrives(token, client, `You said: budget ${i}`);
    }
    counting = false;

    const perMessage = Object.fromEntries([...counts].map(([k, v]) => [k, v / messages]));
    expect(perMessage).toEqual({
      'GetItem conv consistent': 1, // worker: the conversation (bot or human?)
      'UpdateItem idem': 2, // worker: the call claimed (with the count of unanswered calls), its answer stored
      'BatchGetItem sent+conv consistent': 1, // reply: the last part's record (sent before?), the hold-back
      'PutItem intent': 1, // reply: what is about to be sent (and the send's claim)
      'BatchWriteItem sent+echo': 1, // reply: the part is sent, with the message id Chat2Desk gave it
    });

    const sqsPerMessage = Object.fromEntries([...sqsCounts].map(([k, v]) => [k, v / messages]));
    expect(sqsPerMessage).toEqual({
      'SendMessage inbound': 1, // webhook: the client's message (its echo is not queued)
      'ReceiveMessage inbound': 1,
      'DeleteMessageBatch inbound': 1,
      'SendMessageBatch outbound': 1, // worker: the agent's reply
      'ReceiveMessage outbound': 1,
      'DeleteMessageBatch outbound': 1,
    });

    // The guarantees, at that price: one agent call and one reply per message, the bot not muted.
    expect(stack.agent.events.length - agentCallsBefore).toBe(messages);
    const bot = stack.sandbox
      .transcript(token, client)
      .filter((m) => m.direction === 'out')
      .map((m) => m.text);
    expect(bot).toEqual([
      'You said: warm-up',
      'You said: budget 0',
      'You said: budget 1',
      'You said: budget 2',
    ]);
  });
});
