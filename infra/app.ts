/**
 * CDK entry (`cdk.json`: `npx tsx infra/app.ts`). Parameters come from context or the environment:
 * see infra/stacks/deploy-parameters.ts and docs/DEPLOY.md.
 */
import { App } from 'aws-cdk-lib';
import { buildConnectorApp } from './stacks/connector-app';
import { DeployParameterError, readDeployParameters } from './stacks/deploy-parameters';

function synthesize(): void {
  const app = new App();
  try {
    buildConnectorApp(
      app,
      readDeployParameters((name) => app.node.tryGetContext(name)),
    );
  } catch (err) {
    // A wrong or missing parameter is the deployer's to fix: one line each, no stack trace.
    if (!(err instanceof DeployParameterError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 1;
    return;
  }
  app.synth();
}

synthesize();
