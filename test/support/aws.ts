/** Per-test tables and queues on the emulators started by the global setup. */
import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { createTableInput } from '../../shared/adapters/dynamodb/table-definition';

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

export function testDynamoClient(): DynamoDBClient {
  return new DynamoDBClient({ region: 'us-east-1' });
}

export function testDocumentClient(client = testDynamoClient()): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/** The same document client, telling `onCommand` of every command before sending it (to count them). */
export function countingDocumentClient(
  client: DynamoDBDocumentClient,
  onCommand: (command: Parameters<DynamoDBDocumentClient['send']>[0]) => void,
): DynamoDBDocumentClient {
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop !== 'send') return Reflect.get(target, prop, receiver);
      return (command: Parameters<DynamoDBDocumentClient['send']>[0]) => {
        onCommand(command);
        return target.send(command);
      };
    },
  });
}

/**
 * The same document client, except that an eventually consistent `GetCommand` of a key in `stale`
 * answers the item stored there (a replica that has not seen the latest write yet; DynamoDB Local is
 * always consistent). Consistent reads and every other command go to the table.
 */
export function staleReadsDocumentClient(
  client: DynamoDBDocumentClient,
  stale: Map<string, Record<string, unknown> | undefined>,
): DynamoDBDocumentClient {
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop !== 'send') return Reflect.get(target, prop, receiver);
      return (command: Parameters<DynamoDBDocumentClient['send']>[0]) => {
        if (command instanceof GetCommand && command.input.ConsistentRead !== true) {
          const pk = String(command.input.Key?.pk ?? '');
          if (stale.has(pk)) {
            const item = stale.get(pk);
            return Promise.resolve({ $metadata: {}, ...(item ? { Item: { ...item } } : {}) });
          }
        }
        return target.send(command);
      };
    },
  });
}

export function testSqsClient(): SQSClient {
  // fauxqs queue URLs name a host that does not resolve here: always use the configured endpoint.
  return new SQSClient({ region: 'us-east-1', useQueueUrlAsEndpoint: false });
}

export interface TestTable {
  name: string;
  drop(): Promise<void>;
}

export async function createTestTable(client = testDynamoClient()): Promise<TestTable> {
  const name = uniqueName('channels');
  await client.send(new CreateTableCommand(createTableInput(name)));
  return {
    name,
    drop: async () => {
      await client.send(new DeleteTableCommand({ TableName: name }));
    },
  };
}
