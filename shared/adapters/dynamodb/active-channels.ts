/**
 * Reads for the healer. Active channels come from a Scan of the sparse `byAgent` index: only channel
 * items carry `agentId`, so the scan never reads dedup or idempotency records, however many there
 * are. Before changing anything the healer re-reads the channel with a consistent GetItem.
 *
 * The memory of failed checks is one attribute on the channel item, `healFailedAt`, written only
 * when a check fails and removed when that channel is fine again: it comes with the scan at no
 * extra read, costs nothing while all is well, and leaves `version` alone (not a management
 * change). A management write replaces the item without it: a changed channel starts afresh.
 */
import { type DynamoDBDocumentClient, GetCommand, paginateScan, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Channel } from '../../domain/channel';
import type { ActiveChannelReads, HealCandidate } from '../../healing/ports';
import { fromChannelItem } from './channel-item';
import { BY_AGENT_INDEX, keys } from './table-definition';

/** The channel item's attribute holding the time of the healer's last failed check. */
export const HEAL_FAILED_AT_ATTRIBUTE = 'healFailedAt';

export function createActiveChannelReads(
  client: DynamoDBDocumentClient,
  tableName: string,
): ActiveChannelReads {
  /** Only on an item that still exists: a deleted channel is not brought back as a stub. */
  const updateMemo = (channel: Channel, expression: string, values?: Record<string, unknown>) =>
    client
      .send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: keys.channel(channel.id) },
          UpdateExpression: expression,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#failedAt': HEAL_FAILED_AT_ATTRIBUTE },
          ...(values ? { ExpressionAttributeValues: values } : {}),
        }),
      )
      .then(() => undefined);
  return {
    async activeChannels() {
      const channels: HealCandidate[] = [];
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
        for (const item of page.Items ?? []) {
          const failedAt = item[HEAL_FAILED_AT_ATTRIBUTE];
          channels.push({
            ...fromChannelItem(item),
            ...(typeof failedAt === 'string' ? { lastHealFailureAt: failedAt } : {}),
          });
        }
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
    recordFailure: (channel, at) => updateMemo(channel, 'SET #failedAt = :at', { ':at': at.toISOString() }),
    clearFailure: (channel) => updateMemo(channel, 'REMOVE #failedAt'),
  };
}
