/** The local stack runs the functions with the deployed settings (one source: the CDK stack's SIZING). */

import { LOCAL_SIZING } from '../../../infra/local/runtime/stack';
import { SIZING } from '../../../infra/stacks/stateless-stack';

describe('local function settings', () => {
  it('match the CDK stack', () => {
    expect(LOCAL_SIZING.webhook.timeoutSeconds).toBe(SIZING.webhook.timeoutSeconds);
    expect(LOCAL_SIZING.worker).toEqual({
      timeoutSeconds: SIZING.worker.timeoutSeconds,
      batchSize: SIZING.worker.batchSize,
    });
    expect(LOCAL_SIZING.reply).toEqual({
      timeoutSeconds: SIZING.reply.timeoutSeconds,
      batchSize: SIZING.reply.batchSize,
      maxConcurrency: SIZING.reply.maxConcurrency,
    });
    expect(LOCAL_SIZING.channels.timeoutSeconds).toBe(SIZING.channels.timeoutSeconds);
    expect(LOCAL_SIZING.webhookHealer).toEqual({
      timeoutSeconds: SIZING.webhookHealer.timeoutSeconds,
      everyMinutes: SIZING.webhookHealer.everyMinutes,
    });
  });
});
