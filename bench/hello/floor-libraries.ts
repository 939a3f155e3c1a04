/**
 * A cold-start floor of `bench/cold-start.ts --floor`: the two clients of floor-clients.ts plus
 * the libraries the connector's functions are built on (Powertools Logger, Metrics and Parameters
 * with the Secrets Manager client, middy, zod/mini with its English locale, the document client),
 * with one small schema and none of the connector's own code.
 */

import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import * as z from 'zod/mini';
import '../../shared/zod-en';

const logger = new Logger();
const metrics = new Metrics();
const eventSchema = z.object({
  queueUrl: z.string(),
  table: z.string(),
  key: z.string(),
  secretArn: z.string(),
});

let sqs: SQSClient | undefined;
let documents: DynamoDBDocumentClient | undefined;

export const handler = middy(async (raw: unknown) => {
  const event = eventSchema.parse(raw);
  sqs ??= new SQSClient({});
  documents ??= DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const secret = await getSecret(event.secretArn);
  const item = await documents.send(new GetCommand({ TableName: event.table, Key: { pk: event.key } }));
  logger.info('floor', { found: Boolean(item.Item), secret: typeof secret });
  metrics.addMetric('Floor', 'Count', 1);
  return sqs.send(new SendMessageCommand({ QueueUrl: event.queueUrl, MessageBody: JSON.stringify(item) }));
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
