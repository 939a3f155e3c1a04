/**
 * The AWS SDK clients, built once per process (module scope) and injected into use cases.
 * Endpoints come from the SDK's own variables (AWS_ENDPOINT_URL_DYNAMODB / _SQS) for the emulators.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

let documentClient: DynamoDBDocumentClient | undefined;
let sqsClient: SQSClient | undefined;

export function getDocumentClient(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return documentClient;
}

export function getSqsClient(): SQSClient {
  // An emulator's queue URLs may name hosts that do not resolve; with an explicit endpoint use it.
  // cacheMiddleware: the middleware stack is resolved once per command class, not on every call
  // (~0.2 ms of CPU per call, docs/PERFORMANCE.md "Throughput"); nothing here changes the stack
  // after the first request. The document client refuses the option, so DynamoDB goes without.
  sqsClient ??= new SQSClient({
    useQueueUrlAsEndpoint: !process.env.AWS_ENDPOINT_URL_SQS,
    cacheMiddleware: true,
  });
  return sqsClient;
}
