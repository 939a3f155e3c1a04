/**
 * CDK entry (`cdk.json`: `npx tsx infra/app.ts`). Parameters come from context or the environment:
 * see infra/stacks/deploy-parameters.ts and docs/DEPLOY.md.
 */
import { App } from 'aws-cdk-lib';
import { buildConnectorApp } from './stacks/connector-app';
import { readDeployParameters } from './stacks/deploy-parameters';

const app = new App();
buildConnectorApp(
  app,
  readDeployParameters((name) => app.node.tryGetContext(name)),
);
app.synth();
