/**
 * What one client message costs in DynamoDB on the happy path (a known dialog, one text reply, its
 * echo), counted by a proxy in front of DynamoDB Local while the whole local stack runs — and that
 * the guarantees still hold while it costs that little: the agent called once per message, each
 * reply sent once, the echo recognised (the bot is not muted by its own message).
 *
 * Per message: the worker reads the conversation and the agent-call counter and writes the
 * idempotency record twice (in progress, answered); the reply function reads the last part's
 * record and the conversation in one request, writes the send intent (its claim), then the part's
 * record and the own message id in one request. Nothing else of ours: no counter write, no delivered record, no
 * earlier-version mark. Records of other features (e.g. a shared rate limit) are not counted here.
 */
import { randomBytes } from 'node:crypto';
import { type RunningProxy, startAwsProxy } from '../../bench/support/counting-proxy';
import { type LocalStack, startLocalStack } from '../../infra/local/runtime/stack';
import { createActiveChannel } from './helpers';

const OURS = ['idem', 'calls', 'conv', 'sent', 'intent', 'echo', 'dialog', 'req', 'cli'];

describe('DynamoDB requests per client message', () => {
  let stack: LocalStack;
  let proxy: RunningProxy;
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
    stack = await startLocalStack({
      port: 0,
      inMemory: true,
      quiet: true,
      prefix: `budget-${process.pid}`,
      emulators: { dynamodbEndpoint: proxy.url, sqsEndpoint: process.env.AWS_ENDPOINT_URL_SQS! },
      healerIntervalMs: 0,
      report: () => undefined,
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await proxy?.stop();
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

  it('is 4 reads and 5 writes on the happy path, with nothing sent twice and the echo known', async () => {
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
      'GetItem calls': 1, // worker: calls of earlier deliveries that ended without an answer
      'PutItem idem': 1, // worker: the agent call in progress
      'UpdateItem idem': 1, // worker: the agent's answer stored
      'BatchGetItem sent+conv consistent': 1, // reply: the last part's record (sent before?), the hold-back
      'PutItem intent': 1, // reply: what is about to be sent (and the send's claim)
      'BatchWriteItem sent+echo': 1, // reply: the part is sent, with the message id Chat2Desk gave it
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
