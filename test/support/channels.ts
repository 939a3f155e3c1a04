/** A stored channel for tests, in the item format the functions read (`toChannelItem`). */
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { toChannelItem } from '../../shared/adapters/dynamodb/channel-item';
import type { Channel } from '../../shared/domain/channel';
import { uniqueName } from './aws';
import { makeTestToken } from './tokens';

/** An active channel with a fresh id and test token; overrides win. */
export function testChannel(overrides: Partial<Channel> = {}): Channel {
  const now = new Date().toISOString();
  return {
    id: uniqueName('ch'),
    agentId: 'agent-1',
    type: 'chat2desk',
    name: 'Test channel',
    apiUrl: 'https://api.chat2desk.example',
    token: overrides.token ?? makeTestToken('channel'),
    serviceMessages: false,
    requireSignature: false,
    status: 'active',
    generation: 1,
    version: 1,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

export async function storeTestChannel(
  client: DynamoDBDocumentClient,
  tableName: string,
  channel: Channel,
  tokenHash?: string,
): Promise<void> {
  await client.send(new PutCommand({ TableName: tableName, Item: toChannelItem(channel, tokenHash) }));
}
