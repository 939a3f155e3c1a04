/**
 * Ack latency of the webhook route vs a bare SendMessage, on the same SQS emulator, same run.
 *
 *   npx tsx bench/ack-latency.ts [runs=2000]
 *
 * Both sides send the same inbound-queue message to the same FIFO queue, sequentially and
 * interleaved (so drift in the emulator hits both alike). The webhook side is the real handler:
 * secret check, size and JSON checks, routing ids, SendMessage, response. Target: p99 ratio ≤ 1.25.
 */
import { randomBytes } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createWebhookHandler } from '../functions/webhook/handler';
import { startSqsEmulator } from '../infra/local/emulators';
import { createInboundQueue, inboundQueueRouting } from '../shared/adapters/sqs/inbound-queue';
import { FIFO_ATTRIBUTES } from '../shared/adapters/sqs/queue-definitions';
import { webhookSecret } from '../shared/webhook-url';
import { fixedWebhookChannel, inboxBody, webhookRequest } from '../test/support/webhook-events';
import { percentile } from './support/stats';

export async function runAckLatency(runs = 2000): Promise<{ p50: [number, number]; p99: [number, number] }> {
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  const sqsServer = await startSqsEmulator();
  const client = new SQSClient({
    region: 'us-east-1',
    endpoint: sqsServer.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    useQueueUrlAsEndpoint: false,
  });
  try {
    const queue = await client.send(
      new CreateQueueCommand({
        QueueName: `bench-${randomBytes(4).toString('hex')}.fifo`,
        Attributes: { ...FIFO_ATTRIBUTES },
      }),
    );
    const queueUrl = queue.QueueUrl!;
    const key = randomBytes(32).toString('hex');
    const channelId = 'ch-bench';
    const secret = webhookSecret(key, channelId, 1);
    const webhook = createWebhookHandler({
      webhookSecretKey: key,
      inboundQueue: createInboundQueue({ client, queueUrl }),
      channels: fixedWebhookChannel({ generation: 1 }),
    });

    const viaWebhook = async (i: number) => {
      const event = webhookRequest({ channelId, secret, body: inboxBody({ client_id: 1000 + (i % 50) }) });
      const start = process.hrtime.bigint();
      const res = await webhook(event);
      const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
      if ((res as { statusCode?: number }).statusCode !== 200) throw new Error('webhook did not accept');
      return elapsed;
    };
    const bare = async (i: number) => {
      const body = inboxBody({ client_id: 1000 + (i % 50) });
      const raw = JSON.stringify(body);
      const routing = inboundQueueRouting(channelId, body, raw, key);
      const message = JSON.stringify({
        v: 1,
        channelId,
        generation: 1,
        receivedAt: new Date().toISOString(),
        body: raw,
      });
      const start = process.hrtime.bigint();
      await client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: message,
          MessageGroupId: routing.groupId,
          MessageDeduplicationId: routing.deduplicationId,
        }),
      );
      return Number(process.hrtime.bigint() - start) / 1e6;
    };

    for (let i = 0; i < 200; i += 1) {
      await viaWebhook(i);
      await bare(i);
    }
    const w: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      // Alternate which goes first, so neither side always follows the other.
      if (i % 2 === 0) {
        w.push(await viaWebhook(i));
        b.push(await bare(i));
      } else {
        b.push(await bare(i));
        w.push(await viaWebhook(i));
      }
    }
    w.sort((x, y) => x - y);
    b.sort((x, y) => x - y);
    const result = {
      p50: [percentile(w, 50), percentile(b, 50)] as [number, number],
      p99: [percentile(w, 99), percentile(b, 99)] as [number, number],
    };
    const cpu = cpus();
    const lines = [
      '## Ack latency',
      `date: ${new Date().toISOString()}`,
      `machine: ${cpu[0]?.model ?? 'unknown'} × ${cpu.length}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`,
      `command: npx tsx bench/ack-latency.ts ${runs}`,
      `runs: ${runs} per side (after 200 warm-up each), sequential, interleaved, fauxqs 1.9.2 FIFO queue`,
      '',
      '| | webhook handler | bare SendMessage | ratio |',
      '|---|---|---|---|',
      `| p50 | ${result.p50[0].toFixed(3)} ms | ${result.p50[1].toFixed(3)} ms | ${(result.p50[0] / result.p50[1]).toFixed(2)}× |`,
      `| p99 | ${result.p99[0].toFixed(3)} ms | ${result.p99[1].toFixed(3)} ms | ${(result.p99[0] / result.p99[1]).toFixed(2)}× |`,
      '',
      `target: p99 ratio ≤ 1.25× → ${result.p99[0] / result.p99[1] <= 1.25 ? 'met' : 'NOT met'}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    return result;
  } finally {
    client.destroy();
    await sqsServer.stop();
  }
}

if (require.main === module) {
  const runs = Number(process.argv[2] ?? 2000);
  runAckLatency(Number.isFinite(runs) && runs > 0 ? runs : 2000).catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
