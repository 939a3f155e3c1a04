/**
 * The table-write grants of the webhook, worker and reply functions (`TABLE_WRITES`, turned into IAM
 * conditions by `tableWriteConditions`) allow every write their code really makes. The local stack
 * and the tests run with full credentials, so this is where a write the policy would refuse on AWS
 * shows: the functions run real flows against DynamoDB Local through a recording proxy, and each
 * recorded write is evaluated against its function's conditions as IAM evaluates them.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type TableWrites, tableWriteConditions } from '../../../infra/constructs/connector-function';
import { OPERATORS } from '../../../infra/local/sandbox/index';
import { TABLE_WRITES } from '../../../infra/stacks/stateless-stack';
import { closeRequestBody, inboxBody, webhookRequest } from '../../support/webhook-events';
import { type Pipeline, startPipeline } from '../inbound/pipeline';
import { type OutboundWorld, startOutboundWorld } from '../outbound/harness';

type Phase = 'setup' | keyof typeof TABLE_WRITES;

interface RecordedRequest {
  phase: Phase;
  operation: string;
  body: Record<string, unknown>;
}

/** A pass-through HTTP proxy in front of DynamoDB Local that records each request's operation and body. */
async function startRecordingProxy(upstream: string) {
  const recorded: RecordedRequest[] = [];
  const state = { phase: 'setup' as Phase };
  const target = new URL(upstream);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      recorded.push({ phase: state.phase, operation, body: JSON.parse(body.toString('utf8') || '{}') });
      const forward = request(
        {
          host: target.hostname,
          port: target.port,
          path: req.url,
          method: req.method,
          headers: { ...req.headers, host: target.host },
        },
        (upstreamRes) => {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          upstreamRes.pipe(res);
        },
      );
      forward.on('error', () => res.destroy());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    recorded,
    state,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** One item write as IAM sees it: the action, the partition key, the top-level attributes named. */
interface ItemWrite {
  action: string;
  key: string;
  attributes: string[];
  returnValues?: string;
}

const EXPRESSION_WORDS = new Set(
  [
    'set',
    'remove',
    'add',
    'delete',
    'and',
    'or',
    'not',
    'between',
    'in',
    'attribute_exists',
    'attribute_not_exists',
    'attribute_type',
    'begins_with',
    'contains',
    'size',
    'if_not_exists',
    'list_append',
  ].map((w) => w.toLowerCase()),
);

function attributesIn(expression: unknown, names: Record<string, string> | undefined): string[] {
  if (typeof expression !== 'string') return [];
  const found: string[] = [];
  // Top-level names only: a `#name` placeholder or a bare identifier not after a `.` or `:`.
  for (const match of expression.matchAll(/(?<![.\w:#])(#?[A-Za-z_][A-Za-z0-9_]*)/g)) {
    const token = match[1]!;
    if (token.startsWith('#')) found.push(names?.[token] ?? token);
    else if (!EXPRESSION_WORDS.has(token.toLowerCase())) found.push(token);
  }
  return found;
}

type Input = Record<string, unknown> & {
  Key?: Record<string, { S?: string }>;
  Item?: Record<string, { S?: string }>;
  ExpressionAttributeNames?: Record<string, string>;
};

function itemWrite(action: string, input: Input, returnValues?: unknown): ItemWrite {
  const names = input.ExpressionAttributeNames;
  const keyAttributes = input.Key ?? input.Item ?? {};
  const attributes = new Set<string>([
    ...Object.keys(keyAttributes),
    ...attributesIn(input.UpdateExpression, names),
    ...attributesIn(input.ConditionExpression, names),
    ...attributesIn(input.ProjectionExpression, names),
  ]);
  return {
    action,
    key: String(keyAttributes.pk?.S ?? ''),
    attributes: [...attributes],
    ...(typeof returnValues === 'string' ? { returnValues } : {}),
  };
}

/** The item writes of one request (a transaction is authorised per contained action). */
function writesOf(operation: string, body: Record<string, unknown>): ItemWrite[] {
  if (['PutItem', 'UpdateItem', 'DeleteItem'].includes(operation)) {
    return [itemWrite(operation, body as Input, body.ReturnValues)];
  }
  if (operation === 'TransactWriteItems') {
    return (body.TransactItems as Array<Record<string, Input>>).map((entry) => {
      const [kind, input] = Object.entries(entry)[0]!;
      const action = kind === 'ConditionCheck' ? 'ConditionCheckItem' : `${kind}Item`;
      return itemWrite(action, input);
    });
  }
  if (operation === 'BatchWriteItem') {
    // Authorised per contained item, each a put or a delete of its own.
    const requests = Object.values(body.RequestItems as Record<string, Array<Record<string, Input>>>).flat();
    return requests.map((request) => {
      const [kind, input] = Object.entries(request)[0]!;
      if (kind === 'DeleteRequest') return itemWrite('BatchWriteItem', { Key: input.Key } as Input);
      return itemWrite('BatchWriteItem', { Item: input.Item } as Input);
    });
  }
  return [];
}

function like(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(value);
}

/** IAM's evaluation of the one write statement a function has (actions, then its conditions). */
function allows(grant: TableWrites, write: ItemWrite): boolean {
  if (!(grant.actions as readonly string[]).includes(`dynamodb:${write.action}`)) return false;
  const conditions = tableWriteConditions(grant);
  const context: Record<string, string[]> = {
    'dynamodb:LeadingKeys': [write.key],
    'dynamodb:Attributes': write.attributes,
  };
  const forAll = (conditions['ForAllValues:StringLike'] ?? {}) as Record<string, string[]>;
  for (const [conditionKey, patterns] of Object.entries(forAll)) {
    if (!(context[conditionKey] ?? []).every((value) => patterns.some((p) => like(p, value)))) return false;
  }
  const ifExists = (conditions.StringEqualsIfExists ?? {}) as Record<string, string | string[]>;
  const returnValues = ifExists['dynamodb:ReturnValues'];
  if (write.returnValues !== undefined && returnValues !== undefined) {
    if (![returnValues].flat().includes(write.returnValues)) return false;
  }
  return true;
}

let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
let pipeline: Pipeline;
let world: OutboundWorld;
const realEndpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB;

beforeAll(async () => {
  if (!realEndpoint)
    throw new Error('AWS_ENDPOINT_URL_DYNAMODB is not set (the global setup starts DynamoDB Local)');
  proxy = await startRecordingProxy(realEndpoint);
  // Every client built from here on (the harnesses build their own) talks through the proxy.
  process.env.AWS_ENDPOINT_URL_DYNAMODB = proxy.url;
  pipeline = await startPipeline();
  world = await startOutboundWorld();
});

afterAll(async () => {
  process.env.AWS_ENDPOINT_URL_DYNAMODB = realEndpoint;
  await pipeline?.close();
  await world?.close();
  await proxy?.close();
});

function writesIn(phase: Phase): ItemWrite[] {
  return proxy.recorded.filter((r) => r.phase === phase).flatMap((r) => writesOf(r.operation, r.body));
}

/** `PutItem cli#`: what was written, by action and key prefix. */
const kinds = (writes: ItemWrite[]) =>
  [...new Set(writes.map((w) => `${w.action} ${w.key.slice(0, w.key.indexOf('#') + 1)}`))].sort();

test('webhook and worker: every write of a signed delivery, a message, a failed agent call and a close is granted', async () => {
  const { channel, secret } = await pipeline.addChannel();
  const post = (body: Record<string, unknown>, signWith?: string) =>
    pipeline.webhook(
      webhookRequest({ channelId: channel.id, secret, body, ...(signWith ? { signWith } : {}) }),
    );

  proxy.state.phase = 'webhook';
  expect(await post(inboxBody({ text: 'first' }), channel.token)).toMatchObject({ statusCode: 200 });
  expect(await post(inboxBody({ text: 'second' }), channel.token)).toMatchObject({ statusCode: 200 });
  expect(await post(closeRequestBody(), channel.token)).toMatchObject({ statusCode: 200 });
  proxy.state.phase = 'setup';
  // An answer the worker cannot use: counted in the agent-call record (idem#), its lock released.
  pipeline.agent.failNext(1, { rawBody: 'not json' });

  proxy.state.phase = 'worker';
  await pipeline.drainInbound();
  proxy.state.phase = 'setup';
  expect(pipeline.agent.answered().length).toBeGreaterThanOrEqual(1);

  const webhookWrites = writesIn('webhook');
  expect(kinds(webhookWrites)).toEqual(['UpdateItem channel#']);
  expect(webhookWrites.filter((w) => !allows(TABLE_WRITES.webhook, w))).toEqual([]);

  const workerWrites = writesIn('worker');
  expect(kinds(workerWrites)).toEqual(
    expect.arrayContaining(['PutItem cli#', 'UpdateItem conv#', 'UpdateItem idem#', 'UpdateItem req#']),
  );
  expect(workerWrites.filter((w) => !allows(TABLE_WRITES.worker, w))).toEqual([]);
});

test('reply: every write of a text reply and a transfer is granted', async () => {
  const target = await world.clientWrites('telegram');
  await world.enqueue(target, [
    { type: 'text', text: 'Hello from the bot' },
    { type: 'transfer', operatorId: String(OPERATORS[1]!.id), text: 'Connecting you' },
  ]);
  proxy.state.phase = 'reply';
  await world.drain();
  proxy.state.phase = 'setup';
  expect(world.received(target.clientId).map((m) => m.text)).toEqual([
    'Hello from the bot',
    'Connecting you',
  ]);

  const replyWrites = writesIn('reply');
  expect(kinds(replyWrites)).toEqual(
    expect.arrayContaining([
      'BatchWriteItem echo#',
      'BatchWriteItem sent#',
      'PutItem intent#',
      'PutItem sent#',
      'UpdateItem conv#',
      'UpdateItem rate#',
    ]),
  );
  expect(replyWrites.filter((w) => !allows(TABLE_WRITES.reply, w))).toEqual([]);
});

test('the evaluation refuses what the grants do not cover (so the checks above can fail)', () => {
  const channelUpdate = { action: 'UpdateItem', key: 'channel#c1', attributes: ['pk', 'status'] };
  expect(allows(TABLE_WRITES.worker, channelUpdate)).toBe(false);
  expect(allows(TABLE_WRITES.webhook, channelUpdate)).toBe(false);
  expect(allows(TABLE_WRITES.webhook, { ...channelUpdate, attributes: ['pk', 'signedSince'] })).toBe(true);
  expect(
    allows(TABLE_WRITES.webhook, {
      ...channelUpdate,
      attributes: ['pk', 'signedSince'],
      returnValues: 'ALL_NEW',
    }),
  ).toBe(false);
  expect(allows(TABLE_WRITES.reply, { action: 'DeleteItem', key: 'sent#r1', attributes: ['pk'] })).toBe(
    false,
  );
  expect(allows(TABLE_WRITES.worker, { action: 'PutItem', key: 'tokenlock#h', attributes: ['pk'] })).toBe(
    false,
  );
});
