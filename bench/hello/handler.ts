/**
 * The cold-start reference of `bench/cold-start.ts`: the smallest useful function, one SQS client,
 * bundled with the same settings as the connector's functions. Like them it builds its client on
 * the first invocation, so both sides of the comparison measure the same thing (load + top-level
 * evaluation, no client construction).
 */
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';

let client: SQSClient | undefined;

export const handler = async (event: { queueName: string }) => {
  client ??= new SQSClient({});
  return client.send(new GetQueueUrlCommand({ QueueName: event.queueName }));
};
