/**
 * Template assertions on the synthesised stacks (bundling skipped, cdk-nag on): who may do what,
 * how queues feed functions, where failed messages go, what is encrypted, what alarms and when the
 * healer runs.
 */

import { Match } from 'aws-cdk-lib/assertions';
import type { ConnectorFunction } from '../../infra/constructs/connector-function';
import { sentPartKey } from '../../shared/adapters/dynamodb/sent-replies';
import { IDEMPOTENCY_KEY_PREFIX, keys } from '../../shared/adapters/dynamodb/table-definition';
import {
  DEFAULT_INBOUND_SHARDS,
  INBOUND_QUEUE,
  OUTBOUND_QUEUE,
} from '../../shared/adapters/sqs/queue-definitions';
import { loadConfig } from '../../shared/config';
import { DEFAULT_RETRY_POLICY } from '../../shared/outbound/retry-policy';
import { recordBudgetMs } from '../../shared/timeouts';
import {
  logicalId,
  managedPolicies,
  rolePermissions,
  statefulNames,
  statementsWithConditions,
} from './iam-view';
import { type SynthesisedApp, synthConnectorApp, TEST_PARAMETERS } from './synth-app';

let synth: SynthesisedApp;

beforeAll(() => {
  synth = synthConnectorApp();
});
afterAll(() => synth?.cleanup());

function permissionsOf(name: keyof SynthesisedApp['stacks']['stateless']['functions']): string[] {
  const stack = synth.stacks.stateless;
  const fn: ConnectorFunction = stack.functions[name];
  return rolePermissions(
    synth.stateless,
    logicalId(stack, fn.role),
    logicalId(stack, fn.logGroup),
    statefulNames(synth.stacks.stateful),
  );
}

function conditionalStatementsOf(name: keyof SynthesisedApp['stacks']['stateless']['functions']) {
  const stack = synth.stacks.stateless;
  const fn: ConnectorFunction = stack.functions[name];
  return statementsWithConditions(
    synth.stateless,
    logicalId(stack, fn.role),
    logicalId(stack, fn.logGroup),
    statefulNames(synth.stacks.stateful),
  );
}

// Tracing is off by default (the `tracing` parameter): no X-Ray permissions either.
const BASELINE = ['logs:CreateLogStream ownLogGroup', 'logs:PutLogEvents ownLogGroup'];
const TABLE_READ = ['dynamodb:BatchGetItem table', 'dynamodb:GetItem table', 'kms:Decrypt key'];
const TABLE_READ_WRITE = [
  'dynamodb:BatchGetItem table',
  'dynamodb:ConditionCheckItem table',
  'dynamodb:DeleteItem table',
  'dynamodb:GetItem table',
  'dynamodb:PutItem table',
  'dynamodb:UpdateItem table',
  'kms:Decrypt key',
  'kms:Encrypt key',
  'kms:GenerateDataKey key',
];
/** Item writes limited by conditions (the statements are asserted in "table writes, by key and attribute"). */
const tableWrites = (...actions: string[]) => [
  ...actions.map((a) => `dynamodb:${a} table (conditional)`),
  'kms:Encrypt key',
  'kms:GenerateDataKey key',
];
const consume = (queue: string) => [
  `sqs:ChangeMessageVisibility ${queue}`,
  `sqs:DeleteMessage ${queue}`,
  `sqs:GetQueueAttributes ${queue}`,
  `sqs:GetQueueUrl ${queue}`,
  `sqs:ReceiveMessage ${queue}`,
  'kms:Decrypt key',
];
const send = (queue: string) => [`sqs:SendMessage ${queue}`, 'kms:GenerateDataKey key', 'kms:Decrypt key'];
/** The inbound shards as iam-view names them, shard 0 first (4 by default). */
const INBOUND_SHARDS = ['inboundQueue', 'inbound1Queue', 'inbound2Queue', 'inbound3Queue'];
const expected = (...groups: string[][]) => [...new Set([...BASELINE, ...groups.flat()])].sort();

describe('least privilege, per function (every action on every resource, nothing more)', () => {
  test('webhook: read the table (and mark a channel signed), send to every inbound shard, read the webhook secret key', () => {
    expect(permissionsOf('webhook')).toEqual(
      expected(
        [
          'dynamodb:BatchGetItem table',
          'dynamodb:GetItem table',
          'dynamodb:UpdateItem table (conditional)',
          'kms:Decrypt key',
          'kms:Encrypt key',
          'kms:GenerateDataKey key',
        ],
        ...INBOUND_SHARDS.map(send),
        ['secretsmanager:GetSecretValue webhookSecretKey'],
      ),
    );
  });

  test('worker: table read, its own items written, consume every inbound shard (visibility changes included), send outbound and to its own DLQ, agent API key', () => {
    expect(permissionsOf('worker')).toEqual(
      expected(
        TABLE_READ,
        tableWrites('PutItem', 'UpdateItem', 'DeleteItem'),
        ...INBOUND_SHARDS.map(consume),
        send('outboundQueue'),
        send('inboundDlq'),
        ['secretsmanager:GetSecretValue agentApiKey', 'secretsmanager:GetSecretValue webhookSecretKey'],
      ),
    );
  });

  test('reply: table read, its own items written (the send schedule too), consume outbound, send to its own DLQ and to every inbound shard (the offline event), the token hash key', () => {
    expect(permissionsOf('reply')).toEqual(
      expected(
        TABLE_READ,
        tableWrites('PutItem', 'UpdateItem', 'BatchWriteItem'),
        consume('outboundQueue'),
        send('outboundDlq'),
        ...INBOUND_SHARDS.map(send),
        ['secretsmanager:GetSecretValue tokenHashKey', 'secretsmanager:GetSecretValue webhookSecretKey'],
      ),
    );
  });

  test('channels: table read/write + query byAgent, send outbound, the three server keys', () => {
    expect(permissionsOf('channels')).toEqual(
      expected(TABLE_READ_WRITE, send('outboundQueue'), [
        'dynamodb:Query table/index/byAgent',
        'secretsmanager:GetSecretValue agentApiKey',
        'secretsmanager:GetSecretValue tokenHashKey',
        'secretsmanager:GetSecretValue webhookSecretKey',
      ]),
    );
  });

  test('webhook healer: scan the byAgent index, get items, mark failed checks (UpdateItem), read the webhook secret key', () => {
    expect(permissionsOf('webhookHealer')).toEqual(
      expected(TABLE_READ, [
        'dynamodb:UpdateItem table (conditional)',
        'kms:Encrypt key',
        'kms:GenerateDataKey key',
        'dynamodb:Scan table/index/byAgent',
        'secretsmanager:GetSecretValue webhookSecretKey',
      ]),
    );
  });

  test('no function role carries a managed policy; a DLQ is only ever sent to, by its own consumer', () => {
    const stack = synth.stacks.stateless;
    const dlqSends: Record<string, string[]> = {
      worker: ['sqs:SendMessage inboundDlq'],
      reply: ['sqs:SendMessage outboundDlq'],
    };
    for (const [name, fn] of Object.entries(stack.functions)) {
      expect([name, managedPolicies(synth.stateless, logicalId(stack, fn.role))]).toEqual([name, undefined]);
      expect(permissionsOf(name as keyof typeof stack.functions).filter((p) => p.includes('Dlq'))).toEqual(
        dlqSends[name] ?? [],
      );
    }
  });

  test('no function but channels has an unconditional write on the table', () => {
    for (const name of ['webhook', 'worker', 'reply', 'webhookHealer'] as const) {
      const unconditional = permissionsOf(name).filter((p) =>
        /^dynamodb:(PutItem|UpdateItem|DeleteItem|ConditionCheckItem|BatchWriteItem) table$/.test(p),
      );
      expect([name, unconditional]).toEqual([name, []]);
    }
  });

  test('only the platform principal may invoke the channels function', () => {
    const channels = logicalId(synth.stacks.stateless, synth.stacks.stateless.functions.channels.function);
    const permissions = Object.values(synth.stateless.findResources('AWS::Lambda::Permission')).filter((p) =>
      JSON.stringify(p.Properties.FunctionName).includes(channels),
    );
    expect(permissions.map((p) => [p.Properties.Action, p.Properties.Principal])).toEqual([
      ['lambda:InvokeFunction', 'arn:aws:iam::123456789012:role/platform-invoker'],
    ]);
  });

  test('each function has the environment its grants go with, and never LOCAL_MODE', () => {
    const env = (name: keyof SynthesisedApp['stacks']['stateless']['functions']) => {
      const id = logicalId(synth.stacks.stateless, synth.stacks.stateless.functions[name].function);
      const vars =
        synth.stateless.findResources('AWS::Lambda::Function')[id]!.Properties.Environment.Variables;
      return Object.keys(vars).sort();
    };
    const powertools = ['POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_SERVICE_NAME'];
    const withBase = (...names: string[]) => [...powertools, 'NODE_OPTIONS', ...names].sort();
    expect(env('webhook')).toEqual(
      withBase(
        'TABLE_NAME',
        'INBOUND_QUEUE_URL',
        'INBOUND_QUEUE_URLS',
        'WEBHOOK_SECRET_KEY_SECRET_ARN',
        'WEBHOOK_CHANNEL_RATE_PER_SECOND',
        'WEBHOOK_CHANNEL_BURST',
      ),
    );
    expect(env('worker')).toEqual(
      withBase(
        'TABLE_NAME',
        'INBOUND_QUEUE_URL',
        'INBOUND_QUEUE_URLS',
        'OUTBOUND_QUEUE_URL',
        'INBOUND_DLQ_URL',
        'AGENT_API_URL',
        'AGENT_API_KEY_SECRET_ARN',
        'WEBHOOK_SECRET_KEY_SECRET_ARN',
      ),
    );
    expect(env('reply')).toEqual(
      withBase(
        'TABLE_NAME',
        'INBOUND_QUEUE_URL',
        'INBOUND_QUEUE_URLS',
        'OUTBOUND_QUEUE_URL',
        'OUTBOUND_DLQ_URL',
        'TOKEN_HASH_KEY_SECRET_ARN',
        'WEBHOOK_SECRET_KEY_SECRET_ARN',
      ),
    );
    expect(env('channels')).toEqual(
      withBase(
        'TABLE_NAME',
        'OUTBOUND_QUEUE_URL',
        'PUBLIC_BASE_URL',
        'AGENT_API_URL',
        'AGENT_API_KEY_SECRET_ARN',
        'TOKEN_HASH_KEY_SECRET_ARN',
        'WEBHOOK_SECRET_KEY_SECRET_ARN',
      ),
    );
    expect(env('webhookHealer')).toEqual(
      withBase('TABLE_NAME', 'PUBLIC_BASE_URL', 'WEBHOOK_SECRET_KEY_SECRET_ARN'),
    );
  });
});

describe('table writes, by key and attribute (IAM fine-grained access conditions)', () => {
  test('webhook healer: UpdateItem of channel items only, naming only pk and healFailedAt, returning no whole item', () => {
    expect(conditionalStatementsOf('webhookHealer')).toEqual([
      {
        actions: ['dynamodb:UpdateItem'],
        resources: ['table'],
        condition: {
          'ForAllValues:StringLike': {
            'dynamodb:LeadingKeys': ['channel#*'],
            'dynamodb:Attributes': ['pk', 'healFailedAt'],
          },
          StringEqualsIfExists: {
            'dynamodb:Select': 'SPECIFIC_ATTRIBUTES',
            'dynamodb:ReturnValues': ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'],
          },
        },
      },
    ]);
  });

  test('webhook: UpdateItem of channel items only, naming only pk, signedSince and generation, returning no whole item', () => {
    expect(conditionalStatementsOf('webhook')).toEqual([
      {
        actions: ['dynamodb:UpdateItem'],
        resources: ['table'],
        condition: {
          'ForAllValues:StringLike': {
            'dynamodb:LeadingKeys': ['channel#*'],
            'dynamodb:Attributes': ['pk', 'signedSince', 'generation'],
          },
          StringEqualsIfExists: {
            'dynamodb:Select': 'SPECIFIC_ATTRIBUTES',
            'dynamodb:ReturnValues': ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'],
          },
        },
      },
    ]);
  });

  test('worker: puts, updates and deletes of conversations, links, idempotency records and call counters, never a channel', () => {
    expect(conditionalStatementsOf('worker')).toEqual([
      {
        actions: ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: ['table'],
        condition: {
          'ForAllValues:StringLike': {
            'dynamodb:LeadingKeys': ['conv#*', 'req#*', 'cli#*', 'idem#*'],
          },
        },
      },
    ]);
  });

  test('reply: puts and updates of sent parts, own messages, intents, conversations and send schedules, never a channel', () => {
    expect(conditionalStatementsOf('reply')).toEqual([
      {
        actions: ['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: ['table'],
        condition: {
          'ForAllValues:StringLike': {
            'dynamodb:LeadingKeys': ['sent#*', 'echo#*', 'intent#*', 'conv#*', 'rate#*', 'slots#*'],
          },
        },
      },
    ]);
  });

  test('the granted prefixes are the ones the key builders write', () => {
    expect(keys.channel('c1')).toMatch(/^channel#/);
    expect(keys.conversation('c1', 'd1')).toMatch(/^conv#/);
    expect(keys.requestLink('c1', 'r1')).toMatch(/^req#/);
    expect(keys.clientLink('c1', 'k1')).toMatch(/^cli#/);
    expect(`${IDEMPOTENCY_KEY_PREFIX}#hash`).toMatch(/^idem#/);
    expect(sentPartKey('r1', 0)).toMatch(/^sent#/);
    expect(keys.ownMessage('c1', 'm1')).toMatch(/^echo#/);
    expect(keys.sendIntent('c1', 'k1', 'd')).toMatch(/^intent#/);
    expect(keys.sendSchedule('h')).toMatch(/^rate#/);
  });
});

describe('functions', () => {
  test('Node 22 on arm64, untraced by default, source maps on, Powertools settings, JSON logs without the platform lines, own log group with retention', () => {
    synth.stateless.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: Match.absent(),
      LoggingConfig: {
        LogGroup: Match.anyValue(),
        LogFormat: 'JSON',
        ApplicationLogLevel: 'INFO',
        SystemLogLevel: 'WARN',
      },
      Environment: {
        Variables: Match.objectLike({
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_SERVICE_NAME: 'chat2desk-channel',
          POWERTOOLS_METRICS_NAMESPACE: 'Chat2DeskChannel',
          POWERTOOLS_LOG_LEVEL: 'INFO',
        }),
      },
    });
    expect(Object.keys(synth.stateless.findResources('AWS::Lambda::Function'))).toHaveLength(5);
    synth.stateless.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  test('memory sizes are the measured peaks with headroom (docs/DEPLOY.md, "Memory sizes")', () => {
    const fns = synth.stateless.findResources('AWS::Lambda::Function');
    const stack = synth.stacks.stateless;
    const memory = Object.fromEntries(
      Object.entries(stack.functions).map(([name, fn]) => [
        name,
        fns[logicalId(stack, fn.function)]!.Properties.MemorySize,
      ]),
    );
    expect(memory).toEqual({ webhook: 128, worker: 192, reply: 192, channels: 256, webhookHealer: 128 });
    synth.stateless.resourceCountIs('AWS::XRay::SamplingRule', 0);
  });

  test('queue visibility timeouts are at least six times their consumer’s timeout; the worker fits one agent call', () => {
    const fns = synth.stateless.findResources('AWS::Lambda::Function');
    const timeout = (fn: ConnectorFunction): number =>
      fns[logicalId(synth.stacks.stateless, fn.function)]!.Properties.Timeout;
    const queues = synth.stateful.findResources('AWS::SQS::Queue');
    const visibility = (name: string): number =>
      Object.values(queues).find((q) => String(q.Properties.QueueName).endsWith(`-${name}.fifo`))!.Properties
        .VisibilityTimeout;
    const worker = timeout(synth.stacks.stateless.functions.worker);
    const reply = timeout(synth.stacks.stateless.functions.reply);
    expect(visibility('inbound')).toBeGreaterThanOrEqual(6 * worker);
    expect(visibility('outbound')).toBeGreaterThanOrEqual(6 * reply);
    // With the defaults, a record's budget (one agent call + the writes) fits the worker twice over.
    const defaults = loadConfig({});
    expect(recordBudgetMs(defaults.AGENT_TIMEOUT_MS)).toBeLessThanOrEqual((worker * 1000) / 2);
    // A Chat2Desk request's worst case (attempts and waits) fits the reply function.
    expect(
      DEFAULT_RETRY_POLICY.maxTotalWaitMs + DEFAULT_RETRY_POLICY.maxAttempts * defaults.CHAT2DESK_TIMEOUT_MS,
    ).toBeLessThan(reply * 1000);
  });
});

describe('event sources', () => {
  const mappingOf = (fn: ConnectorFunction) =>
    Object.values(synth.stateless.findResources('AWS::Lambda::EventSourceMapping')).filter((m) =>
      JSON.stringify(m.Properties.FunctionName).includes(logicalId(synth.stacks.stateless, fn.function)),
    );

  test('worker consumes every inbound shard, each through its own mapping: batches of 5, partial batch failures, its own capped concurrency', () => {
    const mappings = mappingOf(synth.stacks.stateless.functions.worker);
    const stateful = synth.stacks.stateful;
    expect(stateful.inboundShards).toHaveLength(DEFAULT_INBOUND_SHARDS);
    // One mapping per shard, in shard order; shard 0 is the inbound queue of before shards.
    expect(mappings.map((m) => m.Properties.EventSourceArn['Fn::ImportValue'])).toEqual(
      stateful.inboundShards.map((s) =>
        expect.stringContaining(`FnGetAtt${logicalId(stateful, s.queue)}Arn`),
      ),
    );
    expect(logicalId(stateful, stateful.inboundShards[0]!.queue)).toMatch(/^InboundQueue/);
    for (const mapping of mappings) {
      expect(mapping.Properties).toEqual({
        BatchSize: 5,
        EventSourceArn: { 'Fn::ImportValue': expect.stringMatching(/Inbound\d*Queue/) },
        FunctionName: expect.anything(),
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 10 },
      });
      expect(JSON.stringify(mapping.Properties.EventSourceArn)).not.toContain('DeadLetter');
    }
  });

  test('reply consumes the outbound queue with maximum concurrency replyMaxConcurrency (default 50)', () => {
    const [mapping, ...others] = mappingOf(synth.stacks.stateless.functions.reply);
    expect(others).toEqual([]);
    expect(mapping!.Properties).toEqual({
      BatchSize: 10,
      EventSourceArn: { 'Fn::ImportValue': expect.stringContaining('OutboundQueue') },
      FunctionName: expect.anything(),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 50 },
    });
  });

  test('nothing else is fed by a queue', () => {
    expect(Object.keys(synth.stateless.findResources('AWS::Lambda::EventSourceMapping'))).toHaveLength(
      DEFAULT_INBOUND_SHARDS + 1,
    );
  });
});

describe('stateful resources', () => {
  const keyRef = () => ({
    'Fn::GetAtt': [logicalId(synth.stacks.stateful, synth.stacks.stateful.key), 'Arn'],
  });

  test('the table: on demand, PITR, customer-managed key, TTL, byAgent index, retained', () => {
    synth.stateful.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyRef() },
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        DeletionProtectionEnabled: true,
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byAgent',
            KeySchema: [
              { AttributeName: 'agentId', KeyType: 'HASH' },
              { AttributeName: 'createdAt', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      },
    });
    synth.stateful.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test.each([
    ['Inbound', INBOUND_QUEUE],
    ['Outbound', OUTBOUND_QUEUE],
  ])('%s queue: high-throughput FIFO, KMS, redrive to its own FIFO DLQ after maxReceiveCount', (id, def) => {
    const stack = synth.stacks.stateful;
    const queues = synth.stateful.findResources('AWS::SQS::Queue');
    const q = id === 'Inbound' ? stack.inbound : stack.outbound;
    const queue = queues[logicalId(stack, q.queue)]!.Properties;
    const dlq = queues[logicalId(stack, q.deadLetterQueue)]!.Properties;
    expect(queue).toMatchObject({
      FifoQueue: true,
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
      VisibilityTimeout: def.visibilityTimeoutSeconds,
      MessageRetentionPeriod: def.retentionDays * 86400,
      KmsMasterKeyId: keyRef(),
      QueueName: `chat2desk-channel-${def.name}.fifo`,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(stack, q.deadLetterQueue), 'Arn'] },
        maxReceiveCount: def.maxReceiveCount,
      },
    });
    expect(dlq).toMatchObject({
      FifoQueue: true,
      KmsMasterKeyId: keyRef(),
      MessageRetentionPeriod: 14 * 86400,
      QueueName: `chat2desk-channel-${def.name}-dlq.fifo`,
    });
    expect(dlq.RedrivePolicy).toBeUndefined();
  });

  test('every queue refuses plain HTTP', () => {
    const policies = Object.values(synth.stateful.findResources('AWS::SQS::QueuePolicy'));
    // The inbound shards, the outbound queue and the two DLQs.
    expect(policies).toHaveLength(DEFAULT_INBOUND_SHARDS + 3);
    for (const policy of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });

  test('three server keys generated by Secrets Manager and retained', () => {
    const secrets = Object.values(synth.stateful.findResources('AWS::SecretsManager::Secret'));
    expect(secrets).toHaveLength(3);
    for (const s of secrets) {
      expect(s.DeletionPolicy).toBe('Retain');
      expect(s.Properties.GenerateSecretString).toEqual({
        ExcludePunctuation: true,
        IncludeSpace: false,
        PasswordLength: 64,
      });
    }
  });
});

describe('inbound shards (default 4, docs/DEPLOY.md "Inbound shards")', () => {
  const shardIds = () => {
    const stack = synth.stacks.stateful;
    return stack.inboundShards.map((s) => logicalId(stack, s.queue));
  };
  /** How the stateless stack reads shard i's URL (its export of the queue's Ref). */
  const importedUrl = (id: string) => ({
    'Fn::ImportValue': expect.stringContaining(`ExportsOutputRef${id}`),
  });

  test('four inbound queues and one inbound DLQ (plus the outbound pair): shard 0 is the queue of before shards', () => {
    const queues = synth.stateful.findResources('AWS::SQS::Queue');
    expect(
      Object.values(queues)
        .map((q) => q.Properties.QueueName)
        .sort(),
    ).toEqual([
      'chat2desk-channel-inbound-1.fifo',
      'chat2desk-channel-inbound-2.fifo',
      'chat2desk-channel-inbound-3.fifo',
      'chat2desk-channel-inbound-dlq.fifo',
      'chat2desk-channel-inbound.fifo',
      'chat2desk-channel-outbound-dlq.fifo',
      'chat2desk-channel-outbound.fifo',
    ]);
    const stack = synth.stacks.stateful;
    expect(stack.inboundShards[0]).toBe(stack.inbound);
    const ids = shardIds();
    expect(ids[0]).toMatch(/^InboundQueue[0-9A-F]{8}$/);
    expect(logicalId(stack, stack.inbound.deadLetterQueue)).toMatch(/^InboundDeadLetterQueue[0-9A-F]{8}$/);
    ids.slice(1).forEach((id, i) => {
      expect(id).toMatch(new RegExp(`^Inbound${i + 1}Queue[0-9A-F]{8}$`));
    });
    expect(queues[ids[0]!]!.Properties.QueueName).toBe('chat2desk-channel-inbound.fifo');
  });

  test('every shard has shard 0’s settings, is retained, and redrives to the one inbound DLQ', () => {
    const stack = synth.stacks.stateful;
    const queues = synth.stateful.findResources('AWS::SQS::Queue');
    const [first, ...others] = shardIds().map((id) => queues[id]!);
    const dlq = { 'Fn::GetAtt': [logicalId(stack, stack.inbound.deadLetterQueue), 'Arn'] };
    const { QueueName: _, ...settings } = first!.Properties;
    expect(settings.RedrivePolicy).toEqual({
      deadLetterTargetArn: dlq,
      maxReceiveCount: INBOUND_QUEUE.maxReceiveCount,
    });
    others.forEach((q, i) => {
      expect(q.DeletionPolicy).toBe('Retain');
      expect(q.Properties).toEqual({ ...settings, QueueName: `chat2desk-channel-inbound-${i + 1}.fifo` });
    });
    for (const shard of stack.inboundShards)
      expect(shard.deadLetterQueue).toBe(stack.inbound.deadLetterQueue);
  });

  test('webhook, worker and reply get INBOUND_QUEUE_URL (shard 0) and INBOUND_QUEUE_URLS (the four, in shard order)', () => {
    const fns = synth.stateless.findResources('AWS::Lambda::Function');
    const ids = shardIds();
    for (const name of ['webhook', 'worker', 'reply'] as const) {
      const id = logicalId(synth.stacks.stateless, synth.stacks.stateless.functions[name].function);
      const vars = fns[id]!.Properties.Environment.Variables;
      expect([name, vars.INBOUND_QUEUE_URL]).toEqual([name, importedUrl(ids[0]!)]);
      expect([name, vars.INBOUND_QUEUE_URLS]).toEqual([name, { 'Fn::Join': [',', ids.map(importedUrl)] }]);
    }
  });

  test('webhook and reply may send to every shard, in one statement each; the worker sends to none', () => {
    const ids = shardIds();
    const stack = synth.stacks.stateless;
    const sends = (fn: ConnectorFunction) =>
      Object.values(synth.stateless.findResources('AWS::IAM::Policy'))
        .filter((p) => JSON.stringify(p.Properties.Roles).includes(logicalId(stack, fn.role)))
        .flatMap((p) => p.Properties.PolicyDocument.Statement)
        .filter((st) => [st.Action].flat().includes('sqs:SendMessage'))
        .flatMap((st) => [st.Resource].flat())
        .map((r) => JSON.stringify(r));
    for (const fn of [stack.functions.webhook, stack.functions.reply]) {
      const granted = sends(fn);
      for (const id of ids) expect(granted.filter((r) => r.includes(`FnGetAtt${id}Arn`))).toHaveLength(1);
    }
    expect(sends(stack.functions.worker).filter((r) => ids.some((id) => r.includes(id)))).toEqual([]);
  });

  test('each shard alarms on its oldest message (inbound-1, …); the one DLQ alarms once', () => {
    const names = Object.values(synth.stateless.findResources('AWS::CloudWatch::Alarm'))
      .map((a) => String(a.Properties.AlarmName))
      .filter((n) => n.startsWith('chat2desk-channel-inbound'))
      .sort();
    expect(names).toEqual([
      'chat2desk-channel-inbound-1-oldest-message-age',
      'chat2desk-channel-inbound-2-oldest-message-age',
      'chat2desk-channel-inbound-3-oldest-message-age',
      'chat2desk-channel-inbound-dlq-not-empty',
      'chat2desk-channel-inbound-oldest-message-age',
    ]);
  });

  test('the dashboard’s "queued inbound" is the sum over the four shards; an output lists their URLs', () => {
    const [dashboard] = Object.values(synth.stateless.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard!.Properties.DashboardBody);
    expect(body).toContain('queued inbound (4 shards)');
    expect(body).toContain('q0 + q1 + q2 + q3');
    const outputs = synth.stateless.findOutputs('InboundQueueUrls');
    expect(outputs.InboundQueueUrls!.Value).toEqual({ 'Fn::Join': [',', shardIds().map(importedUrl)] });
  });
});

describe('webhook API', () => {
  test('exactly one route: POST of the per-channel webhook path, to the webhook function', () => {
    const routes = Object.values(synth.stateless.findResources('AWS::ApiGatewayV2::Route'));
    expect(routes.map((r) => r.Properties.RouteKey)).toEqual([
      'POST /webhooks/chat2desk/{channelId}/{secret}',
    ]);
    const integrations = Object.values(synth.stateless.findResources('AWS::ApiGatewayV2::Integration'));
    expect(integrations).toHaveLength(1);
    expect(JSON.stringify(integrations[0]!.Properties.IntegrationUri)).toContain(
      logicalId(synth.stacks.stateless, synth.stacks.stateless.functions.webhook.function),
    );
  });

  test('throttled default stage with access logs that never contain the path (it holds the secret)', () => {
    const [stage, ...others] = Object.values(synth.stateless.findResources('AWS::ApiGatewayV2::Stage'));
    expect(others).toEqual([]);
    expect(stage!.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 },
    });
    const format: string = stage!.Properties.AccessLogSettings.Format;
    expect(format).toContain('$context.routeKey');
    expect(format).not.toMatch(/\$context\.(path|resourcePath)|rawPath/);
  });
});

describe('alarms, dashboard, schedule', () => {
  const alarms = () => Object.values(synth.stateless.findResources('AWS::CloudWatch::Alarm'));
  const alarmNamed = (name: string) => alarms().find((a) => a.Properties.AlarmName === name)?.Properties;

  test('one alarm per DLQ on depth ≥ 1, per queue on age of the oldest message', () => {
    for (const q of ['inbound', 'outbound']) {
      expect(alarmNamed(`chat2desk-channel-${q}-dlq-not-empty`)).toMatchObject({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Namespace: 'AWS/SQS',
        Statistic: 'Maximum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Dimensions: [
          { Name: 'QueueName', Value: { 'Fn::ImportValue': expect.stringContaining('DeadLetterQueue') } },
        ],
      });
      expect(alarmNamed(`chat2desk-channel-${q}-oldest-message-age`)).toMatchObject({
        MetricName: 'ApproximateAgeOfOldestMessage',
        Threshold: 300,
      });
    }
  });

  test('errors and throttles alarms for each of the five functions, API 5xx, heal failures', () => {
    for (const fn of ['webhook', 'worker', 'reply', 'channels', 'webhookHealer']) {
      expect(alarmNamed(`chat2desk-channel-${fn}-errors`)).toMatchObject({
        MetricName: 'Errors',
        Threshold: 1,
      });
      expect(alarmNamed(`chat2desk-channel-${fn}-throttles`)).toMatchObject({
        MetricName: 'Throttles',
        Threshold: 1,
      });
    }
    expect(alarmNamed('chat2desk-channel-api-5xx')).toMatchObject({
      MetricName: '5xx',
      Namespace: 'AWS/ApiGateway',
    });
    expect(alarmNamed('chat2desk-channel-webhook-heal-failed')).toMatchObject({
      MetricName: 'WebhookHealFailed',
      Namespace: 'Chat2DeskChannel',
    });
    expect(alarmNamed('chat2desk-channel-webhook-unsigned-refused')).toMatchObject({
      MetricName: 'WebhookUnsignedRefused',
      Namespace: 'Chat2DeskChannel',
    });
    // Per DLQ and per queue (the inbound shards each), per function, and three more.
    expect(alarms()).toHaveLength(2 + (DEFAULT_INBOUND_SHARDS + 1) + 10 + 3);
  });

  test('every alarm notifies the alarm topic (alarm and OK), which has the e-mail subscription', () => {
    const topicId = logicalId(synth.stacks.stateless, synth.stacks.stateless.monitoring.topic);
    for (const alarm of alarms()) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: topicId }]);
      expect(alarm.Properties.TreatMissingData).toBe('notBreaching');
    }
    synth.stateless.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: topicId },
    });
  });

  test('the dashboard shows ingest, ack latency, agent latency, Chat2Desk send errors and throttles', () => {
    const [dashboard] = Object.values(synth.stateless.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard!.Properties.DashboardBody);
    for (const text of [
      'Ingest rate',
      'Ack latency',
      'Agent latency',
      'AgentLatency',
      'RepliesFailedRetryable',
      'RepliesFailedPermanently',
      'Chat2DeskThrottled',
      'NumberOfMessagesSent',
      'Latency',
    ]) {
      expect(body).toContain(text);
    }
  });

  test('the healer runs every 10 minutes, without async retries', () => {
    const healer = logicalId(synth.stacks.stateless, synth.stacks.stateless.functions.webhookHealer.function);
    synth.stateless.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(10 minutes)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [healer, 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 0 },
        }),
      ],
    });
    synth.stateless.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: healer },
      MaximumRetryAttempts: 0,
    });
  });
});

describe('tracing=active', () => {
  let traced: SynthesisedApp;
  beforeAll(() => {
    traced = synthConnectorApp({ ...TEST_PARAMETERS, TRACING: 'active', TRACING_SAMPLE_RATE: '0.02' });
  });
  afterAll(() => traced?.cleanup());

  test('every function traced, with the X-Ray write actions, and one sampling rule with the rate', () => {
    traced.stateless.allResourcesProperties('AWS::Lambda::Function', { TracingConfig: { Mode: 'Active' } });
    const stack = traced.stacks.stateless;
    const fn = stack.functions.worker;
    expect(
      rolePermissions(
        traced.stateless,
        logicalId(stack, fn.role),
        logicalId(stack, fn.logGroup),
        statefulNames(traced.stacks.stateful),
      ),
    ).toEqual(expect.arrayContaining(['xray:PutTelemetryRecords *', 'xray:PutTraceSegments *']));
    traced.stateless.resourceCountIs('AWS::XRay::SamplingRule', 1);
    traced.stateless.hasResourceProperties('AWS::XRay::SamplingRule', {
      SamplingRule: Match.objectLike({
        FixedRate: 0.02,
        ReservoirSize: 1,
        ServiceType: 'AWS::Lambda::Function',
        ServiceName: `${stack.stackName}-*`,
      }),
    });
  });
});

describe('inboundShards=1: the one inbound queue of before shards', () => {
  let single: SynthesisedApp;
  beforeAll(() => {
    single = synthConnectorApp({ ...TEST_PARAMETERS, INBOUND_SHARDS: '1' });
  });
  afterAll(() => single?.cleanup());

  test('no resource the default has not, and none of the shards 1..', () => {
    const ids = (t: SynthesisedApp['stateful']) => Object.keys(t.toJSON().Resources).sort();
    const withoutShards = (list: string[]) =>
      list.filter((id) => !/Inbound[1-9]\d*Queue|inbound[1-9]\d*/.test(id));
    expect(ids(single.stateful)).toEqual(withoutShards(ids(synth.stateful)));
    expect(ids(single.stateless)).toEqual(withoutShards(ids(synth.stateless)));
    expect(single.stacks.stateful.inboundShards).toEqual([single.stacks.stateful.inbound]);
    const names = Object.values(single.stateful.findResources('AWS::SQS::Queue')).map(
      (q) => q.Properties.QueueName,
    );
    expect(names.filter((n) => String(n).includes('-inbound')).sort()).toEqual([
      'chat2desk-channel-inbound-dlq.fifo',
      'chat2desk-channel-inbound.fifo',
    ]);
    single.stateless.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
    single.stateless.resourceCountIs('AWS::CloudWatch::Alarm', 4 + 10 + 3);
  });

  test('INBOUND_QUEUE_URLS is the one URL, as INBOUND_QUEUE_URL; the dashboard counts the one queue', () => {
    const fns = single.stateless.findResources('AWS::Lambda::Function');
    const stack = single.stacks.stateless;
    for (const name of ['webhook', 'worker', 'reply'] as const) {
      const vars = fns[logicalId(stack, stack.functions[name].function)]!.Properties.Environment.Variables;
      expect([name, vars.INBOUND_QUEUE_URLS]).toEqual([
        name,
        { 'Fn::ImportValue': expect.stringContaining('ExportsOutputRefInboundQueue') },
      ]);
      expect(vars.INBOUND_QUEUE_URLS).toEqual(vars.INBOUND_QUEUE_URL);
    }
    const [dashboard] = Object.values(single.stateless.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard!.Properties.DashboardBody);
    expect(body).toContain('queued inbound');
    expect(body).not.toContain('shards)');
  });
});
