/**
 * P3 pipeline: sustained webhooks/s with 0 loss, and end-to-end latency (client message in the
 * Chat2Desk sandbox → signed webhook → webhook function → inbound FIFO → worker → demo agent →
 * outbound FIFO → reply function → Chat2Desk send accepted) under that load, next to the sum of
 * its unavoidable hops measured in the same run on the same emulators.
 *
 *   npx tsx bench/pipeline.ts [rate=20] [durationSeconds=60] [clients=50]
 *
 * The whole local stack (startLocalStack: DynamoDB Local, fauxqs, the four handlers behind the
 * local HTTP route and SQS pollers, the sandbox, the demo agent) runs in this one process.
 * Open loop: RATE client messages per second for DURATION seconds, spread over CLIENTS dialogs.
 */
import { randomBytes } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { LOCAL_CREDENTIALS } from '../infra/local/emulators';
import { startLocalStack } from '../infra/local/runtime/stack';
import { FIFO_ATTRIBUTES } from '../shared/adapters/sqs/queue-definitions';

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}
const ms = (n: number) => `${n.toFixed(1)} ms`;
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

export interface PipelineResult {
  rate: number;
  durationSeconds: number;
  sent: number;
  answered: number;
  lost: number;
  achievedPerSecond: number;
  p50: number;
  p99: number;
  hops: Record<string, number>;
  hopSum: number;
}

async function timeIt(runs: number, fn: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return percentile(
    samples.sort((a, b) => a - b),
    50,
  );
}

export async function runPipeline(rate = 20, durationSeconds = 60, clients = 50): Promise<PipelineResult> {
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  const stack = await startLocalStack({
    port: 0,
    inMemory: true,
    quiet: true,
    prefix: `bench-${randomBytes(3).toString('hex')}`,
    waitTimeSeconds: 1,
    env: { CHAT2DESK_RATE_LIMIT_PER_SECOND: '1000', POWERTOOLS_LOG_LEVEL: 'ERROR' },
    report: () => undefined,
  });
  try {
    const token = `bench-token-${randomBytes(8).toString('hex')}`;
    const created = (await (
      await fetch(`${stack.url}/management`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          action: 'create',
          agentId: 'bench-agent',
          channel: { name: 'Bench', apiUrl: `${stack.url}/sandbox`, token },
          activate: true,
        }),
      })
    ).json()) as { ok: boolean; channel?: { status: string } };
    if (!created.ok || created.channel?.status !== 'active') {
      throw new Error(`the bench channel did not activate: ${JSON.stringify(created)}`);
    }

    // Load: open loop, one message every 1000/rate ms, round-robin over the dialogs.
    const sentAt = new Map<string, number>();
    const total = Math.round(rate * durationSeconds);
    const started = performance.now();
    const epochStart = Date.now();
    for (let i = 0; i < total; i += 1) {
      const due = started + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const text = `p3-${i}`;
      sentAt.set(`You said: ${text}`, epochStart + (performance.now() - started));
      void stack.sandbox.clientMessage(token, String(100_001 + (i % clients)), { text });
    }
    const loadSeconds = (performance.now() - started) / 1000;

    // Wait for every reply (or give up after 60 s of no progress).
    const latencies = new Map<string, number>();
    let lastProgress = Date.now();
    while (latencies.size < total && Date.now() - lastProgress < 60_000) {
      const before = latencies.size;
      for (let c = 0; c < clients; c += 1) {
        for (const m of stack.sandbox.transcript(token, String(100_001 + c))) {
          if (m.direction !== 'out' || !m.text || latencies.has(m.text)) continue;
          const at = sentAt.get(m.text);
          if (at !== undefined) latencies.set(m.text, m.at - at);
        }
      }
      if (latencies.size > before) lastProgress = Date.now();
      await sleep(200);
    }
    const sorted = [...latencies.values()].sort((a, b) => a - b);

    // The unavoidable hops, measured now on the same emulators (medians of 200 runs each).
    const sqs = new SQSClient({
      region: 'us-east-1',
      endpoint: stack.sqsEndpoint,
      credentials: LOCAL_CREDENTIALS,
      useQueueUrlAsEndpoint: false,
    });
    const queueUrl = (
      await sqs.send(
        new CreateQueueCommand({
          QueueName: `hop-${randomBytes(3).toString('hex')}.fifo`,
          Attributes: { ...FIFO_ATTRIBUTES },
        }),
      )
    ).QueueUrl!;
    let n = 0;
    const sqsRoundTrip = await timeIt(200, async () => {
      n += 1;
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: '{"v":1}',
          MessageGroupId: 'g',
          MessageDeduplicationId: `d${n}`,
        }),
      );
      const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1 }));
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: got.Messages![0]!.ReceiptHandle! }),
      );
    });
    const ddb = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        region: 'us-east-1',
        endpoint: stack.dynamodbEndpoint,
        credentials: LOCAL_CREDENTIALS,
      }),
    );
    const ddbRead = await timeIt(200, () =>
      ddb.send(new GetCommand({ TableName: stack.tableName, Key: { pk: 'hop#x' } })),
    );
    const ddbWrite = await timeIt(200, () =>
      ddb.send(
        new PutCommand({ TableName: stack.tableName, Item: { pk: `hop#${randomBytes(4).toString('hex')}` } }),
      ),
    );
    const agentCall = await timeIt(200, () =>
      fetch(`${stack.env.AGENT_API_URL}/agents/bench-agent/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.env.AGENT_API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          eventId: 'hop',
          channel: { id: 'hop', type: 'chat2desk' },
          chatId: '100001|chat2desk',
          clientMessage: 'hop',
          attachments: [],
          variables: {},
        }),
      }).then((r) => r.text()),
    );
    const c2dSend = await timeIt(200, () =>
      fetch(`${stack.url}/sandbox/v1/messages`, {
        method: 'POST',
        headers: { authorization: token, 'content-type': 'application/json' },
        body: JSON.stringify({ client_id: 100_001, text: 'hop' }),
      }).then((r) => r.text()),
    );
    // webhook → SQS (send+receive) → worker: channel read, human-mark read, dedup write ×2,
    // agent call → SQS (send+receive) → reply: sent-record read, channel read, Chat2Desk send,
    // own-message write, sent-record writes ×2.
    const hops = {
      'SQS send+receive+delete ×2': 2 * sqsRoundTrip,
      'DynamoDB reads ×4': 4 * ddbRead,
      'DynamoDB writes ×5': 5 * ddbWrite,
      'agent call': agentCall,
      'Chat2Desk send': c2dSend,
    };
    sqs.destroy();
    const hopSum = Object.values(hops).reduce((a, b) => a + b, 0);
    return {
      rate,
      durationSeconds,
      sent: total,
      answered: latencies.size,
      lost: total - latencies.size,
      achievedPerSecond: total / loadSeconds,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      hops,
      hopSum,
    };
  } finally {
    await stack.stop();
  }
}

export function describePipeline(r: PipelineResult, command: string): string {
  const cpu = cpus();
  return [
    `P3 pipeline — ${cpu[0]?.model ?? 'cpu'} × ${cpu.length}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
    `command: ${command} (1 run)`,
    `offered ${r.rate}/s for ${r.durationSeconds} s = ${r.sent} webhooks; achieved ${r.achievedPerSecond.toFixed(1)}/s; answered ${r.answered}; lost ${r.lost}`,
    `end-to-end webhook → Chat2Desk send: p50 ${ms(r.p50)}, p99 ${ms(r.p99)}`,
    `sum of unavoidable hops (medians, same run): ${ms(r.hopSum)} = ${Object.entries(r.hops)
      .map(([k, v]) => `${k} ${ms(v)}`)
      .join(' + ')}`,
    `p50 / hop sum: ${(r.p50 / r.hopSum).toFixed(2)}×`,
  ].join('\n');
}

if (require.main === module) {
  const [rate = '20', duration = '60', clients = '50'] = process.argv.slice(2);
  runPipeline(Number(rate), Number(duration), Number(clients))
    .then((r) => {
      process.stdout.write(
        `${describePipeline(r, `npx tsx bench/pipeline.ts ${rate} ${duration} ${clients}`)}\n`,
      );
      process.exit(r.lost === 0 ? 0 : 1);
    })
    .catch((err) => {
      process.stderr.write(`pipeline bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    });
}
