/**
 * The webhook door's deploy parameters reach the synthesised stack: the API stage's throttle and
 * the webhook function's per-channel admission (docs/DEPLOY.md, "Floods at the webhook door").
 */
import { DEFAULT_API_THROTTLE, DeployParameterError } from '../../infra/stacks/deploy-parameters';
import { WEBHOOK_ADMISSION_DEFAULTS } from '../../shared/config';
import { logicalId } from './iam-view';
import { type SynthesisedApp, synthConnectorApp, TEST_PARAMETERS } from './synth-app';

// A synthesis takes seconds, tens of them on a loaded machine.
jest.setTimeout(120_000);

function stageThrottle(synth: SynthesisedApp) {
  const stages = Object.values(synth.stateless.findResources('AWS::ApiGatewayV2::Stage'));
  expect(stages).toHaveLength(1);
  return stages[0]!.Properties.DefaultRouteSettings;
}

function webhookEnvironment(synth: SynthesisedApp): Record<string, unknown> {
  const id = logicalId(synth.stacks.stateless, synth.stacks.stateless.functions.webhook.function);
  return synth.stateless.toJSON().Resources[id].Properties.Environment.Variables;
}

describe('webhook door parameters', () => {
  test('defaults: the stage throttle and the admission figures of shared/config.ts', () => {
    const synth = synthConnectorApp();
    try {
      expect(stageThrottle(synth)).toEqual({
        ThrottlingRateLimit: DEFAULT_API_THROTTLE.rateLimit,
        ThrottlingBurstLimit: DEFAULT_API_THROTTLE.burstLimit,
      });
      expect(webhookEnvironment(synth)).toMatchObject({
        WEBHOOK_CHANNEL_RATE_PER_SECOND: String(WEBHOOK_ADMISSION_DEFAULTS.ratePerSecond),
        WEBHOOK_CHANNEL_BURST: String(WEBHOOK_ADMISSION_DEFAULTS.burst),
      });
      // The ingest widget shows what a flood is answered: 4xx, and the channels refused admission.
      const [dashboard] = Object.values(synth.stateless.findResources('AWS::CloudWatch::Dashboard'));
      const body = JSON.stringify(dashboard!.Properties.DashboardBody);
      expect(body).toContain('WebhookRateLimited');
      expect(body).toContain('4xx');
    } finally {
      synth.cleanup();
    }
  });

  test('set per deployment: the synthesised stage and webhook function carry them', () => {
    const synth = synthConnectorApp({
      ...TEST_PARAMETERS,
      API_RATE_LIMIT: '3000',
      API_BURST_LIMIT: '4000',
      WEBHOOK_CHANNEL_RATE_PER_SECOND: '25',
      WEBHOOK_CHANNEL_BURST: '100',
    });
    try {
      expect(stageThrottle(synth)).toEqual({ ThrottlingRateLimit: 3000, ThrottlingBurstLimit: 4000 });
      expect(webhookEnvironment(synth)).toMatchObject({
        WEBHOOK_CHANNEL_RATE_PER_SECOND: '25',
        WEBHOOK_CHANNEL_BURST: '100',
      });
    } finally {
      synth.cleanup();
    }
  });

  test('a throttle beyond what an HTTP API allows stops the synthesis, naming the parameter', () => {
    expect(() => synthConnectorApp({ ...TEST_PARAMETERS, API_BURST_LIMIT: '9000' })).toThrow(
      DeployParameterError,
    );
    expect(() => synthConnectorApp({ ...TEST_PARAMETERS, API_RATE_LIMIT: '0' })).toThrow(/apiRateLimit/);
  });
});
