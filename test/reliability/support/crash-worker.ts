/**
 * The worker as its own process, for the crash drill: the real Lambda entry point
 * (`functions/worker/handler`, dependencies from the environment like a cold start) behind the
 * local stack's SQS poller on the inbound queue. The drill kills it with SIGKILL mid-batch.
 *
 *   CRASH_WORKER_TIMEOUT_MS=4000 <worker env> node --import tsx test/reliability/support/crash-worker.ts
 *
 * Prints `crash-worker ready` once it polls.
 */
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startSqsPoller } from '../../../infra/local/runtime/sqs-poller';

async function main(): Promise<void> {
  const queueUrl = process.env.INBOUND_QUEUE_URL;
  if (!queueUrl) throw new Error('INBOUND_QUEUE_URL is not set');
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const sqs = new SQSClient({ region, useQueueUrlAsEndpoint: false });
  const arn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes?.QueueArn;
  // Loaded after the environment is complete, like a Lambda cold start.
  const { handler } =
    require('../../../functions/worker/handler') as typeof import('../../../functions/worker/handler');
  startSqsPoller({
    sqs,
    queueUrl,
    queueArn: arn ?? 'arn:aws:sqs:us-east-1:000000000000:inbound.fifo',
    region,
    fn: { functionName: 'crash-worker', timeoutMs: Number(process.env.CRASH_WORKER_TIMEOUT_MS ?? '4000') },
    handler: (event, context) => handler(event, context),
    concurrency: 1,
    waitTimeSeconds: 1,
    report: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write('crash-worker ready\n');
}

main().catch((err) => {
  process.stderr.write(`crash-worker failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
