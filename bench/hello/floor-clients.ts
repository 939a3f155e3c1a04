/**
 * A cold-start floor of `bench/cold-start.ts --floor`: the two AWS clients every connector function
 * on the message path needs (SQS and DynamoDB), nothing else; built on the first invocation like
 * the functions' clients. What this bundle's init adds over hello is the least any function that
 * uses the table can add, whatever its own code does.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

let sqs: SQSClient | undefined;
let dynamodb: DynamoDBClient | undefined;

export const handler = async (event: { queueUrl: string; table: string; key: string }) => {
  sqs ??= new SQSClient({});
  dynamodb ??= new DynamoDBClient({});
  const item = await dynamodb.send(
    new GetItemCommand({ TableName: event.table, Key: { pk: { S: event.key } } }),
  );
  return sqs.send(new SendMessageCommand({ QueueUrl: event.queueUrl, MessageBody: JSON.stringify(item) }));
};
