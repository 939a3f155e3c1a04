/**
 * The hot paths' channel reader (worker, reply function) never serves a channel older than the
 * change that retired it: a cached "inactive", miss or older generation is read again.
 */
import { createChannelReader } from '../../../shared/adapters/dynamodb/channel-item';
import { createTestTable, type TestTable, testDocumentClient } from '../../support/aws';
import { storeTestChannel, testChannel } from '../../support/channels';
import { makeTestToken } from '../../support/tokens';

let table: TestTable;
const client = testDocumentClient();
beforeAll(async () => {
  table = await createTestTable();
});
afterAll(async () => {
  await table.drop();
});

const reader = () => createChannelReader({ client, tableName: table.name, cacheTtlMs: 600_000 });

it('an active channel is served from the cache; a newer generation asked for is read again', async () => {
  const channels = reader();
  const channel = testChannel({ generation: 1 });
  await storeTestChannel(client, table.name, channel);
  expect((await channels.get(channel.id))?.token).toBe(channel.token);
  const moved = { ...channel, generation: 2, token: makeTestToken('moved'), version: 2 };
  await storeTestChannel(client, table.name, moved);
  expect((await channels.get(channel.id))?.token).toBe(channel.token); // nothing says it changed
  expect((await channels.get(channel.id, { generation: 2 }))?.token).toBe(moved.token);
  expect((await channels.get(channel.id, { generation: 1 }))?.token).toBe(moved.token);
});

it('"inactive" and "not found" from the cache are re-checked: an activation a moment ago counts', async () => {
  const channels = reader();
  const channel = testChannel({ status: 'inactive' });
  expect(await channels.get(channel.id)).toBeUndefined();
  await storeTestChannel(client, table.name, channel);
  expect((await channels.get(channel.id))?.status).toBe('inactive');
  await storeTestChannel(client, table.name, { ...channel, status: 'active', generation: 2 });
  expect((await channels.get(channel.id))?.status).toBe('active');
});

it('fresh bypasses the cache', async () => {
  const channels = reader();
  const channel = testChannel();
  await storeTestChannel(client, table.name, channel);
  await channels.get(channel.id);
  const rotated = makeTestToken('rotated');
  await storeTestChannel(client, table.name, { ...channel, token: rotated });
  expect((await channels.get(channel.id, { fresh: true }))?.token).toBe(rotated);
});
