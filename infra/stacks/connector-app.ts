/**
 * The whole deployment: the stateful stack, the stateless stack that depends on it, and cdk-nag's
 * AWS Solutions checks over both (synthesis fails on any finding not acknowledged with a reason).
 */
import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { DeployParameters } from './deploy-parameters';
import { StatefulStack } from './stateful-stack';
import { StatelessStack } from './stateless-stack';

export interface ConnectorStacks {
  stateful: StatefulStack;
  stateless: StatelessStack;
}

export function buildConnectorApp(app: App, parameters: DeployParameters): ConnectorStacks {
  const env =
    process.env.CDK_DEFAULT_ACCOUNT && process.env.CDK_DEFAULT_REGION
      ? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION }
      : undefined;
  const stateful = new StatefulStack(app, 'Chat2DeskChannelData', {
    description: 'Chat2Desk channel: table, queues, dead-letter queues, server keys (retained)',
    namePrefix: parameters.namePrefix,
    inboundShards: parameters.inboundShards,
    ...(env ? { env } : {}),
  });
  const stateless = new StatelessStack(app, 'Chat2DeskChannelService', {
    description: 'Chat2Desk channel: webhook API, functions, schedule, alarms, dashboard',
    data: stateful,
    parameters,
    ...(env ? { env } : {}),
  });
  // The stateless stack references the stateful one's exports: CDK orders the deployments.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { stateful, stateless };
}
