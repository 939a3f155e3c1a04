/** The local stack runs the functions with the deployed settings (one source: the CDK stack's SIZING). */

import { LOCAL_SIZING } from '../../../infra/local/runtime/stack';
import { DEFAULT_REPLY_MAX_CONCURRENCY } from '../../../infra/stacks/deploy-parameters';
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
      // Deployed, the reply concurrency is a parameter; here it is what this machine runs.
      maxConcurrency: expect.any(Number),
    });
    expect(LOCAL_SIZING.reply.maxConcurrency).toBeGreaterThanOrEqual(2);
    expect(LOCAL_SIZING.reply.maxConcurrency).toBeLessThanOrEqual(DEFAULT_REPLY_MAX_CONCURRENCY);
    expect(LOCAL_SIZING.channels.timeoutSeconds).toBe(SIZING.channels.timeoutSeconds);
    expect(LOCAL_SIZING.webhookHealer).toEqual({
      timeoutSeconds: SIZING.webhookHealer.timeoutSeconds,
      everyMinutes: SIZING.webhookHealer.everyMinutes,
    });
  });
});
