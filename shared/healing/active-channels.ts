/**
 * Reads for the healer. Active channels come from a Scan of the sparse `byAgent` index: only channel
 * items carry `agentId`, so the scan never reads dedup or idempotency records, however many there
 * are. Before changing anything the healer re-reads the channel with a consistent GetItem.
 */
import { type DynamoDBDocumentClient, GetCommand, paginateScan } from '@aws-sdk/lib-dynamodb';
import { fromChannelItem } from '../adapters/dynamodb/channel-item';
import { BY_AGENT_INDEX, keys } from '../adapters/dynamodb/table-definition';
import type { Channel } from '../domain/channel';

export interface ActiveChannelReads {
  activeChannels(): Promise<Channel[]>;
  isStillActive(channel: Channel): Promise<boolean>;
}

export function createActiveChannelReads(
  client: DynamoDBDocumentClient,
  tableName: string,
): ActiveChannelReads {
  return {
    async activeChannels() {
      const channels: Channel[] = [];
      const pages = paginateScan(
        { client },
        {
          TableName: tableName,
          IndexName: BY_AGENT_INDEX,
          FilterExpression: '#status = :active',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':active': 'active' },
        },
      );
      for await (const page of pages) {
        for (const item of page.Items ?? []) channels.push(fromChannelItem(item));
      }
      return channels;
    },
    async isStillActive(channel) {
      const result = await client.send(
        new GetCommand({ TableName: tableName, Key: { pk: keys.channel(channel.id) }, ConsistentRead: true }),
      );
      if (!result.Item) return false;
      const current = fromChannelItem(result.Item);
      return current.status === 'active' && current.generation === channel.generation;
    },
  };
}
