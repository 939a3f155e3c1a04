/** Builds the connector app for template assertions: bundling skipped, cdk-nag on. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildConnectorApp, type ConnectorStacks } from '../../infra/stacks/connector-app';
import { readDeployParameters } from '../../infra/stacks/deploy-parameters';

export const TEST_PARAMETERS = {
  AGENT_API_URL: 'https://agent.example.com/api',
  PLATFORM_PRINCIPAL: 'arn:aws:iam::123456789012:role/platform-invoker',
  ALARM_EMAIL: 'ops@example.com',
};

export interface SynthesisedApp {
  stacks: ConnectorStacks;
  stateful: Template;
  stateless: Template;
  cleanup(): void;
}

export function synthConnectorApp(env: Record<string, string> = TEST_PARAMETERS): SynthesisedApp {
  const outdir = mkdtempSync(join(tmpdir(), 'c2d-cdk-'));
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  const stacks = buildConnectorApp(
    app,
    readDeployParameters(() => undefined, env),
  );
  return {
    stacks,
    stateful: Template.fromStack(stacks.stateful),
    stateless: Template.fromStack(stacks.stateless),
    cleanup: () => rmSync(outdir, { recursive: true, force: true }),
  };
}
