/** DESIGN §3 invariant 7 for management: bad input gets a clear error with the field path and changes nothing. */
import type { HostLookup } from '../../../shared/adapters/http/url-guard';
import { makeTestToken } from '../../support/tokens';
import { channelOf, type Harness, startHarness } from './harness';

let h: Harness;
let existingId: string;
beforeAll(async () => {
  h = await startHarness();
  existingId = channelOf(
    await h.run({
      action: 'create',
      agentId: 'agent-b',
      channel: { apiUrl: h.sandbox.apiUrl, token: makeTestToken('bi') },
    }),
  ).channel.id;
});
afterAll(async () => {
  await h.stop();
});

const TEN_MB = 'x'.repeat(10 * 1024 * 1024);

function validChannel() {
  return { apiUrl: h.sandbox.apiUrl, token: makeTestToken('bad') };
}

type Case = [string, () => unknown, string, string | undefined];

const cases: Case[] = [
  ['not an object', () => 'nonsense', 'VALIDATION_FAILED', ''],
  ['null', () => null, 'VALIDATION_FAILED', ''],
  ['unknown action', () => ({ action: 'explode', channelId: 'x' }), 'VALIDATION_FAILED', 'action'],
  ['missing action', () => ({ channelId: 'x' }), 'VALIDATION_FAILED', 'action'],
  ['missing agentId', () => ({ action: 'create', channel: validChannel() }), 'VALIDATION_FAILED', 'agentId'],
  [
    'missing token',
    () => ({ action: 'create', agentId: 'a', channel: { apiUrl: h.sandbox.apiUrl } }),
    'VALIDATION_FAILED',
    'channel.token',
  ],
  [
    'mistyped serviceMessages',
    () => ({ action: 'create', agentId: 'a', channel: { ...validChannel(), serviceMessages: 'yes' } }),
    'VALIDATION_FAILED',
    'channel.serviceMessages',
  ],
  [
    'mistyped operatorId',
    () => ({ action: 'create', agentId: 'a', channel: { ...validChannel(), operatorId: 'bob' } }),
    'VALIDATION_FAILED',
    'channel.operatorId',
  ],
  [
    'unknown field',
    () => ({ action: 'create', agentId: 'a', channel: { ...validChannel(), colour: 'red' } }),
    'VALIDATION_FAILED',
    'channel.colour',
  ],
  [
    'non-URL apiUrl',
    () => ({ action: 'create', agentId: 'a', channel: { ...validChannel(), apiUrl: 'not a url' } }),
    'VALIDATION_FAILED',
    'channel.apiUrl',
  ],
  [
    '10 MB name',
    () => ({ action: 'create', agentId: 'a', channel: { ...validChannel(), name: TEN_MB } }),
    'VALIDATION_FAILED',
    'channel.name',
  ],
  [
    '10 MB token',
    () => ({ action: 'create', agentId: 'a', channel: { ...validChannel(), token: TEN_MB } }),
    'VALIDATION_FAILED',
    'channel.token',
  ],
  ['10 MB agentId', () => ({ action: 'list', agentId: TEN_MB }), 'VALIDATION_FAILED', 'agentId'],
  [
    'mistyped version',
    () => ({ action: 'update', channelId: existingId, changes: {}, version: 'one' }),
    'VALIDATION_FAILED',
    'version',
  ],
  [
    'unknown change',
    () => ({ action: 'update', channelId: existingId, changes: { status: 'active' } }),
    'VALIDATION_FAILED',
    'changes.status',
  ],
  [
    'unknown channel (update)',
    () => ({ action: 'update', channelId: 'no-such-channel', changes: { name: 'x' } }),
    'NOT_FOUND',
    undefined,
  ],
  ['unknown channel (get)', () => ({ action: 'get', channelId: 'no-such-channel' }), 'NOT_FOUND', undefined],
  [
    'unknown channel (deactivate)',
    () => ({ action: 'deactivate', channelId: 'no-such-channel' }),
    'NOT_FOUND',
    undefined,
  ],
  [
    'unknown channel (delete)',
    () => ({ action: 'delete', channelId: 'no-such-channel' }),
    'NOT_FOUND',
    undefined,
  ],
  [
    'stale version (update)',
    () => ({ action: 'update', channelId: existingId, version: 99, changes: { name: 'x' } }),
    'VERSION_CONFLICT',
    undefined,
  ],
  [
    'stale version (deactivate)',
    () => ({ action: 'deactivate', channelId: existingId, version: 99 }),
    'VERSION_CONFLICT',
    undefined,
  ],
  [
    'stale version (delete)',
    () => ({ action: 'delete', channelId: existingId, version: 99 }),
    'VERSION_CONFLICT',
    undefined,
  ],
];

it.each(cases)('%s → %s, nothing written', async (_label, command, code, path) => {
  const itemsBefore = await h.itemCount();
  const rawBefore = JSON.stringify(await h.rawChannel(existingId));
  const result = await h.run(command());
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.error.code).toBe(code);
  expect(result.error.message.length).toBeGreaterThan(0);
  if (path !== undefined) {
    const issues = (result.error.details as { issues: { path: string }[] }).issues;
    expect(issues.map((i) => i.path)).toContain(path);
  }
  expect(JSON.stringify(result).length).toBeLessThan(2000);
  expect(await h.itemCount()).toBe(itemsBefore);
  expect(JSON.stringify(await h.rawChannel(existingId))).toBe(rawBefore);
});

describe('apiUrl outside local mode (SSRF guard)', () => {
  const lookup: HostLookup = async (host) =>
    host === 'internal.example.test'
      ? [{ address: '10.1.2.3', family: 4 }]
      : [{ address: '93.184.216.34', family: 4 }];

  it.each([
    ['http, not https', 'http://api.chat2desk.com'],
    ['loopback literal', 'https://127.0.0.1:8443'],
    ['private literal', 'https://192.168.1.10'],
    ['link-local metadata address', 'https://169.254.169.254'],
    ['IPv4-mapped IPv6 loopback', 'https://[::ffff:127.0.0.1]'],
    ['name resolving to a private address', 'https://internal.example.test'],
    ['localhost', 'https://localhost:8443'],
  ])('%s → VALIDATION_FAILED at channel.apiUrl, nothing written', async (_label, apiUrl) => {
    const before = await h.itemCount();
    const result = await h.runWith(
      { localMode: false, lookup },
      { action: 'create', agentId: 'a', channel: { apiUrl, token: makeTestToken('ssrf') } },
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    if (result.ok) return;
    const issues = (result.error.details as { issues: { path: string }[] }).issues;
    expect(issues.map((i) => i.path)).toEqual(['channel.apiUrl']);
    expect(await h.itemCount()).toBe(before);
  });

  it('a private apiUrl in an update is refused at changes.apiUrl and the channel is unchanged', async () => {
    const rawBefore = JSON.stringify(await h.rawChannel(existingId));
    const result = await h.runWith(
      { localMode: false, lookup },
      { action: 'update', channelId: existingId, changes: { apiUrl: 'https://10.0.0.5' } },
    );
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED', details: { issues: [{ path: 'changes.apiUrl' }] } },
    });
    expect(JSON.stringify(await h.rawChannel(existingId))).toBe(rawBefore);
  });

  it('a public https apiUrl is accepted', async () => {
    const result = await h.runWith(
      { localMode: false, lookup },
      {
        action: 'create',
        agentId: 'a',
        channel: { apiUrl: 'https://api.chat2desk.com', token: makeTestToken('pub') },
      },
    );
    expect(channelOf(result).channel.apiUrl).toBe('https://api.chat2desk.com');
  });
});
