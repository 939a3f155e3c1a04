/** The DynamoDB channel store against the ChannelRepository contract (DynamoDB Local). */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { createWebhookChannelReader } from '../../../functions/webhook/webhook-channel-reader';
import { createChannelStore, tokenLockHash } from '../../../shared/adapters/dynamodb/channel-store';
import { keys } from '../../../shared/adapters/dynamodb/table-definition';
import { createTestTable, type TestTable, testDocumentClient } from '../../support/aws';
import { channelRepositoryContract } from '../../support/channel-repository-contract';

const HASH_KEY = 'contract-token-hash-key-0123456789';
let table: TestTable | undefined;
afterAll(async () => {
  await table?.drop();
});

channelRepositoryContract('DynamoDB', async () => {
  table = await createTestTable();
  const client = testDocumentClient();
  const tableName = table.name;
  const webhookReader = createWebhookChannelReader({ client, tableName, cacheTtlMs: 0 });
  return {
    repo: createChannelStore({ client, tableName, tokenHashKey: HASH_KEY }),
    plantLock: async (token, ownerId) => {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: { pk: keys.tokenLock(tokenLockHash(HASH_KEY, token)), channelId: ownerId, type: 'chat2desk' },
        }),
      );
    },
    markSigned: (channelId, generation, at) => webhookReader.markSigned(channelId, generation, at),
  };
});
