/**
 * The human mark against DynamoDB Local: takeovers and releases processed out of order leave the
 * state of the latest Chat2Desk event.
 */
import {
  type ConversationStore,
  createConversationStore,
} from '../../../shared/adapters/dynamodb/conversation-store';
import { createTestTable, type TestTable, testDocumentClient } from '../../support/aws';

describe('human mark ordered by event time', () => {
  let table: TestTable;
  let store: ConversationStore;
  const T = Date.parse('2026-11-26T10:00:00Z');

  beforeAll(async () => {
    table = await createTestTable();
    store = createConversationStore({
      client: testDocumentClient(),
      tableName: table.name,
      ownMessageTtlSeconds: 3600,
    });
  });
  afterAll(() => table.drop());

  it('a takeover marks the dialog, a later close releases it', async () => {
    await store.markWithHuman('ch', '1', 'transferred', T);
    expect(await store.withHuman('ch', '1')).toEqual({
      reason: 'transferred',
      since: '2026-11-26T10:00:00.000Z',
    });
    await store.clearWithHuman('ch', '1', T + 1000);
    expect(await store.withHuman('ch', '1')).toBeUndefined();
  });

  it('an older takeover processed after a newer close does not mute the bot again', async () => {
    await store.clearWithHuman('ch', '2', T + 5000);
    await store.markWithHuman('ch', '2', 'operatorMessage', T);
    expect(await store.withHuman('ch', '2')).toBeUndefined();
  });

  it('an older close processed after a newer takeover does not unmute the bot', async () => {
    await store.markWithHuman('ch', '3', 'transferred', T + 5000);
    await store.clearWithHuman('ch', '3', T);
    expect((await store.withHuman('ch', '3'))?.reason).toBe('transferred');
  });

  it('the second copy of the same takeover changes nothing', async () => {
    await store.markWithHuman('ch', '4', 'transferred', T);
    await store.markWithHuman('ch', '4', 'transferred', T);
    expect((await store.withHuman('ch', '4'))?.reason).toBe('transferred');
  });
});
