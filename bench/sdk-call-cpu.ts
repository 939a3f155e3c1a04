/**
 * CPU of one AWS SDK call on the client side (this process; DynamoDB Local and fauxqs answer), for
 * the client settings the functions could use: what a message's ~9 DynamoDB and SQS calls cost our
 * functions before any code of ours (docs/PERFORMANCE.md, "Throughput").
 *
 *   npx tsx bench/sdk-call-cpu.ts [calls per round=300] [rounds=6]
 *
 * Each variant makes the same calls (DynamoDB: an UpdateItem and a GetItem; SQS: two SendMessage),
 * round-robin over rounds so machine noise falls on every variant alike; the first round is
 * warm-up. Prints the minimum and median over the rounds of process CPU (user + system) per call.
 */

import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { startDynamoDbLocal, startSqsEmulatorThread } from '../infra/local/emulators';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const region = 'us-east-1';
const TABLE = 'sdk-call-cpu';

type Calls = (i: number) => Promise<void>;

async function main(): Promise<void> {
  const [perRound = 300, rounds = 6] = process.argv.slice(2).map(Number);
  const dynamo = await startDynamoDbLocal();
  const sqs = await startSqsEmulatorThread();
  try {
    const ddb = (extra: object = {}) =>
      new DynamoDBClient({ region, endpoint: dynamo.endpoint, credentials, ...extra });
    const sqsClient = (extra: object = {}) =>
      new SQSClient({ region, endpoint: sqs.endpoint, credentials, ...extra });
    await ddb().send(
      new CreateTableCommand({
        TableName: TABLE,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    const { QueueUrl } = await sqsClient().send(new CreateQueueCommand({ QueueName: 'sdk-call-cpu' }));

    const documents = (client: DynamoDBClient): Calls => {
      const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
      return async (i) => {
        const Key = { pk: `k${i % 20}` };
        await doc.send(
          new UpdateCommand({
            TableName: TABLE,
            Key,
            UpdateExpression: 'SET a = :a',
            ExpressionAttributeValues: { ':a': i },
          }),
        );
        await doc.send(new GetCommand({ TableName: TABLE, Key }));
      };
    };
    const items =
      (client: DynamoDBClient): Calls =>
      async (i) => {
        const Key = { pk: { S: `k${i % 20}` } };
        await client.send(
          new UpdateItemCommand({
            TableName: TABLE,
            Key,
            UpdateExpression: 'SET a = :a',
            ExpressionAttributeValues: { ':a': { N: `${i}` } },
          }),
        );
        await client.send(new GetItemCommand({ TableName: TABLE, Key }));
      };
    const sends =
      (client: SQSClient): Calls =>
      async (i) => {
        await client.send(new SendMessageCommand({ QueueUrl, MessageBody: `m${i}` }));
        await client.send(new SendMessageCommand({ QueueUrl, MessageBody: `n${i}` }));
      };
    const variants: Record<string, Calls> = {
      'DynamoDB, document client (as deployed)': documents(ddb()),
      'DynamoDB, plain client': items(ddb()),
      'DynamoDB, plain client, cacheMiddleware': items(ddb({ cacheMiddleware: true })),
      'SQS, default': sends(sqsClient()),
      'SQS, cacheMiddleware (as deployed)': sends(sqsClient({ cacheMiddleware: true })),
    };

    const samples: Record<string, number[]> = {};
    for (let round = 0; round < rounds; round += 1) {
      for (const [name, calls] of Object.entries(variants)) {
        const before = process.cpuUsage();
        for (let i = 0; i < perRound; i += 1) await calls(i);
        const used = process.cpuUsage(before);
        if (round === 0) continue;
        samples[name] = [...(samples[name] ?? []), (used.user + used.system) / 1000 / (2 * perRound)];
      }
    }
    process.stdout.write(
      `node ${process.version}, ${perRound * 2} calls per variant and round, ${rounds - 1} rounds measured\n`,
    );
    process.stdout.write('| client | CPU per call, min | median |\n|---|---|---|\n');
    for (const [name, values] of Object.entries(samples)) {
      const sorted = [...values].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)]!;
      process.stdout.write(`| ${name} | ${sorted[0]!.toFixed(3)} ms | ${median.toFixed(3)} ms |\n`);
    }
  } finally {
    await sqs.stop();
    await dynamo.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`sdk-call-cpu failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
