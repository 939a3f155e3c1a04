/**
 * Cold starts that recover: a dependency build that fails (a secret or variable that could not be
 * read) is retried on the next invocation instead of failing every invocation of the container.
 */
import type { APIGatewayProxyStructuredResultV2, SQSEvent } from 'aws-lambda';
import { handler as channelsHandler } from '../../functions/channels/handler';
import { handler as replyHandler } from '../../functions/reply/handler';
import { handler as webhookHandler } from '../../functions/webhook/handler';
import { handler as workerHandler } from '../../functions/worker/handler';
import { buildOnce } from '../../shared/build-once';
import { resetConfig } from '../../shared/config';
import { testContext } from '../support/sqs-driver';
import { webhookRequest } from '../support/webhook-events';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  resetConfig();
});

const FUNCTION_ENV = {
  TABLE_NAME: 'cold-start-table',
  INBOUND_QUEUE_URL: 'http://127.0.0.1:1/queue/inbound.fifo',
  OUTBOUND_QUEUE_URL: 'http://127.0.0.1:1/queue/outbound.fifo',
  INBOUND_DLQ_URL: 'http://127.0.0.1:1/queue/inbound-dlq.fifo',
  OUTBOUND_DLQ_URL: 'http://127.0.0.1:1/queue/outbound-dlq.fifo',
  AGENT_API_URL: 'http://127.0.0.1:1/agent',
  AGENT_API_KEY: 'agent-key-cold-start',
  WEBHOOK_SECRET_KEY: 'webhook-key-cold-start-0123456789',
  TOKEN_HASH_KEY: 'token-hash-key-cold-start-0123456789',
  PUBLIC_BASE_URL: 'https://connector.example.test',
};

function withEnv(values: Record<string, string>, missing?: string) {
  process.env = { ...saved, ...values };
  if (missing) delete process.env[missing];
  resetConfig(); // the environment is parsed once per container; here it changes between builds
}

const emptyBatch: SQSEvent = { Records: [] };

it('buildOnce builds once, and again after a failed build', async () => {
  let builds = 0;
  const get = buildOnce(async () => {
    builds += 1;
    if (builds === 1) throw new Error('secret unavailable');
    return builds;
  });
  await expect(get()).rejects.toThrow('secret unavailable');
  expect(await get()).toBe(2);
  expect(await get()).toBe(2);
  expect(builds).toBe(2);
});

it('webhook: a failed first build is retried on the next invocation', async () => {
  withEnv(FUNCTION_ENV, 'WEBHOOK_SECRET_KEY');
  await expect(
    webhookHandler(webhookRequest({ channelId: 'c', secret: 'x', body: {} }), testContext()),
  ).rejects.toThrow(/WEBHOOK_SECRET_KEY/);
  withEnv(FUNCTION_ENV);
  // A wrong URL secret is answered without any I/O: the function works now.
  const res = (await webhookHandler(
    webhookRequest({ channelId: 'c', secret: 'x', body: {} }),
    testContext(),
  )) as APIGatewayProxyStructuredResultV2;
  expect(res.statusCode).toBe(404);
});

it('worker: a failed first build is retried on the next invocation', async () => {
  withEnv(FUNCTION_ENV, 'AGENT_API_KEY');
  await expect(workerHandler(emptyBatch, testContext())).rejects.toThrow(/AGENT_API_KEY/);
  withEnv(FUNCTION_ENV);
  expect(await workerHandler(emptyBatch, testContext())).toEqual({ batchItemFailures: [] });
});

it('reply: a failed first build is retried on the next invocation', async () => {
  withEnv(FUNCTION_ENV, 'TABLE_NAME');
  await expect(replyHandler(emptyBatch, testContext())).rejects.toThrow(/TABLE_NAME/);
  withEnv(FUNCTION_ENV);
  expect(await replyHandler(emptyBatch, testContext())).toEqual({ batchItemFailures: [] });
});

it('channels: a failed first build is retried on the next invocation', async () => {
  withEnv(FUNCTION_ENV, 'TOKEN_HASH_KEY');
  expect(await channelsHandler({ action: 'get', channelId: 'x' }, testContext())).toMatchObject({
    ok: false,
    error: { code: 'INTERNAL' },
  });
  withEnv(FUNCTION_ENV);
  // An invalid command is answered by the built use cases without touching the table.
  expect(await channelsHandler({ action: 'explode' }, testContext())).toMatchObject({
    ok: false,
    error: { code: 'VALIDATION_FAILED' },
  });
});
