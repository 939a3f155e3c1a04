/**
 * cdk-nag AWS Solutions checks (every finding acknowledged with a reason, and the checks really
 * run), and the deployment parameters (context or environment, validated).
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DeployParameterError, envNameOf, readDeployParameters } from '../../infra/stacks/deploy-parameters';
import { logicalId } from './iam-view';
import { type SynthesisedApp, synthConnectorApp, TEST_PARAMETERS } from './synth-app';

describe('cdk-nag AwsSolutionsChecks', () => {
  let synth: SynthesisedApp;
  beforeAll(() => {
    // Template.fromStack throws when any nag rule reports an unacknowledged finding.
    synth = synthConnectorApp({
      AGENT_API_URL: 'https://agent.example.com',
      PLATFORM_PRINCIPAL: '210987654321',
      DOMAIN_NAME: 'hooks.example.com',
      CERTIFICATE_ARN: 'arn:aws:acm:eu-west-1:210987654321:certificate/0f0e0d0c-0b0a-0908-0706-050403020100',
      REPLY_MAX_CONCURRENCY: '120',
    });
  });
  afterAll(() => synth?.cleanup());

  test('the app synthesises with zero unacknowledged findings, each acknowledgment with a reason', () => {
    const acknowledged: Array<[string, string]> = [];
    for (const construct of synth.stacks.stateful.node.root.node.findAll()) {
      for (const entry of construct.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
          acknowledged.push([id, reason]);
        }
      }
    }
    const ids = new Set(acknowledged.map(([id]) => id));
    // Each of these fires without its acknowledgment (checked when they were added); nothing else is
    // silenced. The X-Ray wildcard (IAM5 Resource::*) is acknowledged only with tracing=active.
    expect([...ids].sort()).toEqual([
      'AwsSolutions::AwsSolutions-APIG4',
      'AwsSolutions::AwsSolutions-L1',
      'AwsSolutions::AwsSolutions-SMG4',
    ]);
    for (const [id, reason] of acknowledged) {
      expect([id, reason.length >= 40]).toEqual([id, true]);
    }
  });

  test('the checks are active: an unacknowledged finding stops the synthesis', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'c2d-nag-'));
    try {
      const app = new App({ outdir });
      const stack = new Stack(app, 'Control');
      new Queue(stack, 'PlainQueue', { retentionPeriod: Duration.days(1) });
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      expect(() => Template.fromStack(stack)).toThrow(/AwsSolutions-SQS/);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('replyMaxConcurrency sets the reply event source’s maximum concurrency', () => {
    const reply = logicalId(synth.stacks.stateless, synth.stacks.stateless.functions.reply.function);
    const mappings = Object.values(synth.stateless.findResources('AWS::Lambda::EventSourceMapping')).filter(
      (m) => JSON.stringify(m.Properties.FunctionName).includes(reply),
    );
    expect(mappings.map((m) => m.Properties.ScalingConfig)).toEqual([{ MaximumConcurrency: 120 }]);
  });

  test('an account-id platform principal, no e-mail, a custom domain as the public base URL', () => {
    const channels = logicalId(synth.stacks.stateless, synth.stacks.stateless.functions.channels.function);
    const permissions = Object.values(synth.stateless.findResources('AWS::Lambda::Permission')).filter((p) =>
      JSON.stringify(p.Properties.FunctionName).includes(channels),
    );
    expect(permissions.map((p) => p.Properties.Principal)).toEqual(['210987654321']);
    synth.stateless.resourceCountIs('AWS::SNS::Subscription', 0);
    synth.stateless.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'hooks.example.com',
    });
    synth.stateless.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
    const fns = synth.stateless.findResources('AWS::Lambda::Function');
    for (const name of ['channels', 'webhookHealer'] as const) {
      const id = logicalId(synth.stacks.stateless, synth.stacks.stateless.functions[name].function);
      expect(fns[id]!.Properties.Environment.Variables.PUBLIC_BASE_URL).toBe('https://hooks.example.com');
    }
  });
});

describe('platformRoleArn: the channels function invoked by one role only', () => {
  let synth: SynthesisedApp;
  beforeAll(() => {
    synth = synthConnectorApp({
      ...TEST_PARAMETERS,
      PLATFORM_PRINCIPAL: '123456789012',
      PLATFORM_ROLE_ARN: 'arn:aws:iam::123456789012:role/agent-platform',
    });
  });
  afterAll(() => synth?.cleanup());

  test("the resource policy's one statement names the role, not the account", () => {
    const channels = logicalId(synth.stacks.stateless, synth.stacks.stateless.functions.channels.function);
    const permissions = Object.values(synth.stateless.findResources('AWS::Lambda::Permission')).filter((p) =>
      JSON.stringify(p.Properties.FunctionName).includes(channels),
    );
    expect(permissions.map((p) => p.Properties)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [channels, 'Arn'] },
        Principal: 'arn:aws:iam::123456789012:role/agent-platform',
      },
    ]);
  });

  test.each([
    ['a role of another account', 'arn:aws:iam::210987654321:role/agent-platform'],
    ['a user, not a role', 'arn:aws:iam::123456789012:user/someone'],
    ['not an ARN', 'agent-platform'],
  ])('refuses %s, naming platformRoleArn', (_, arn) => {
    expect(() =>
      readDeployParameters(() => undefined, {
        ...TEST_PARAMETERS,
        PLATFORM_PRINCIPAL: '123456789012',
        PLATFORM_ROLE_ARN: arn,
      }),
    ).toThrow(/platformRoleArn \(context -c platformRoleArn=… or env PLATFORM_ROLE_ARN\): /);
  });
});

describe('deployment parameters', () => {
  const none = () => undefined;

  test('context wins over the environment; defaults fill the optional ones', () => {
    const context: Record<string, unknown> = { agentApiUrl: 'https://from-context.example.com' };
    const p = readDeployParameters((n) => context[n], TEST_PARAMETERS);
    expect(p).toMatchObject({
      agentApiUrl: 'https://from-context.example.com',
      platformPrincipal: TEST_PARAMETERS.PLATFORM_PRINCIPAL,
      alarmEmail: 'ops@example.com',
      namePrefix: 'chat2desk-channel',
      logLevel: 'INFO',
      workerMaxConcurrency: 10,
      inboundShards: 4,
      replyMaxConcurrency: 50,
      tracing: 'off',
      tracingSampleRate: 0.05,
    });
    expect(p.publicBaseUrl).toBeUndefined();
  });

  test('missing required parameters are named with both ways to give them', () => {
    expect(() => readDeployParameters(none, {})).toThrow(DeployParameterError);
    try {
      readDeployParameters(none, {});
    } catch (err) {
      const message = (err as Error).message;
      expect(message).toContain('agentApiUrl (context -c agentApiUrl=… or env AGENT_API_URL)');
      expect(message).toContain(
        'platformPrincipal (context -c platformPrincipal=… or env PLATFORM_PRINCIPAL)',
      );
    }
  });

  test.each([
    [{ AGENT_API_URL: 'http://agent.example.com' }, 'agentApiUrl'],
    [{ PLATFORM_PRINCIPAL: '1234' }, 'platformPrincipal'],
    [{ PLATFORM_PRINCIPAL: 'arn:aws:s3:::bucket' }, 'platformPrincipal'],
    [{ ALARM_EMAIL: 'not-an-email' }, 'alarmEmail'],
    [{ DOMAIN_NAME: 'hooks.example.com' }, 'certificateArn'],
    [{ WORKER_MAX_CONCURRENCY: '1' }, 'workerMaxConcurrency'],
    [{ REPLY_MAX_CONCURRENCY: '1' }, 'replyMaxConcurrency'],
    [{ REPLY_MAX_CONCURRENCY: '1001' }, 'replyMaxConcurrency'],
    [{ TRACING: 'on' }, 'tracing'],
    [{ TRACING_SAMPLE_RATE: '1.5' }, 'tracingSampleRate'],
    [{ INBOUND_SHARDS: '0' }, 'inboundShards'],
    [{ INBOUND_SHARDS: '17' }, 'inboundShards'],
    [{ INBOUND_SHARDS: 'x' }, 'inboundShards'],
  ])('rejects %j (names %s)', (override, name) => {
    expect(() => readDeployParameters(none, { ...TEST_PARAMETERS, ...override })).toThrow(
      new RegExp(`^Invalid deployment parameters:[\\s\\S]*${name}`),
    );
  });

  test.each(['0', '17', 'x', '2.5'])(
    'inboundShards=%s is refused with the range, naming both ways to give it',
    (value) => {
      expect(() =>
        readDeployParameters((n) => (n === 'inboundShards' ? value : undefined), TEST_PARAMETERS),
      ).toThrow(
        'inboundShards (context -c inboundShards=… or env INBOUND_SHARDS): inboundShards must be a whole number from 1 to 16',
      );
    },
  );

  test('inboundShards: 1..16 from context or environment, default 4', () => {
    expect(readDeployParameters(none, { ...TEST_PARAMETERS, INBOUND_SHARDS: '1' }).inboundShards).toBe(1);
    expect(
      readDeployParameters((n) => (n === 'inboundShards' ? '16' : undefined), TEST_PARAMETERS).inboundShards,
    ).toBe(16);
    expect(readDeployParameters(none, TEST_PARAMETERS).inboundShards).toBe(4);
  });

  test('environment names are the SCREAMING_CASE of the context names', () => {
    expect(envNameOf('agentApiUrl')).toBe('AGENT_API_URL');
    expect(envNameOf('fallbackOperatorGroupId')).toBe('FALLBACK_OPERATOR_GROUP_ID');
  });
});
