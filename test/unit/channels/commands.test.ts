import {
  channelCommandSchema,
  MAX_STRING_LENGTH,
  parseChannelCommand,
} from '../../../functions/channels/commands';

describe('parseChannelCommand', () => {
  it('accepts each command and fills defaults', () => {
    const create = parseChannelCommand({
      action: 'create',
      agentId: 'a',
      channel: { apiUrl: 'https://api.chat2desk.com/', token: 'abcdef123456', operatorId: 12 },
    });
    expect(create).toEqual({
      ok: true,
      command: {
        action: 'create',
        agentId: 'a',
        channel: {
          name: 'New channel',
          apiUrl: 'https://api.chat2desk.com',
          token: 'abcdef123456',
          operatorId: '12',
          serviceMessages: false,
          requireSignature: false,
        },
      },
    });
    expect(parseChannelCommand({ action: 'update', channelId: 'c' })).toEqual({
      ok: true,
      command: { action: 'update', channelId: 'c', changes: {} },
    });
    for (const action of ['deactivate', 'delete', 'get']) {
      expect(parseChannelCommand({ action, channelId: 'c' }).ok).toBe(true);
    }
    expect(parseChannelCommand({ action: 'list', agentId: 'a' }).ok).toBe(true);
  });

  it('names the unknown action and the known ones', () => {
    const parsed = parseChannelCommand({ action: 'launch', channelId: 'c' });
    expect(parsed).toEqual({
      ok: false,
      issues: [
        { path: 'action', message: expect.stringContaining('create, update, deactivate, delete, get, list') },
      ],
    });
  });

  it('parses each command as the published union does (each schema is built on its first use)', () => {
    const union = channelCommandSchema();
    const actions = union.def.options.map((o) => o.shape.action.def.values[0]);
    expect(parseChannelCommand({ action: 'launch' })).toEqual({
      ok: false,
      issues: [
        { path: 'action', message: `unknown or missing action; expected one of ${actions.join(', ')}` },
      ],
    });
    const inputs: Record<string, unknown>[] = [
      {},
      { action: null },
      { action: 'toString' },
      { action: 'create', agentId: 'a', channel: { apiUrl: 'https://x.example/', token: 't0ken-x' } },
      { action: 'create', agentId: ' ', channel: { apiUrl: 'ftp://x', token: 'a b', more: 1 } },
      { action: 'update', channelId: 'c', changes: { operatorId: null }, version: 2 },
      { action: 'update', channelId: 'c', version: 0.5 },
      { action: 'send', channelId: 'c', chatId: '1|chat2desk', replies: [{}], requestId: 'k' },
      { action: 'notify', channelId: 'c', phone: '1', replies: [], transport: 'X', c2dChannelId: 'n' },
    ];
    for (const action of actions) inputs.push({ action, channelId: 'c', agentId: 'a' }, { action });
    for (const input of inputs) {
      const parsed = parseChannelCommand(input);
      const expected = union.safeParse(input);
      expect(parsed.ok).toBe(expected.success);
      if (parsed.ok && expected.success) expect(parsed.command).toEqual(expected.data);
      if (!parsed.ok && !expected.success && actions.includes(input.action as never)) {
        expect(parsed.issues).toEqual(
          expected.error.issues.flatMap((i) =>
            i.code === 'unrecognized_keys'
              ? i.keys.map((key) => ({ path: [...i.path, key].join('.'), message: 'unknown field' }))
              : [{ path: i.path.join('.'), message: i.message }],
          ),
        );
      }
    }
  });

  it('rejects an oversize string before schema parsing, with its path', () => {
    const parsed = parseChannelCommand({ action: 'get', channelId: 'x'.repeat(MAX_STRING_LENGTH + 1) });
    expect(parsed).toEqual({
      ok: false,
      issues: [{ path: 'channelId', message: expect.stringMatching(/too long/) }],
    });
  });

  it('rejects unknown fields with their path', () => {
    const parsed = parseChannelCommand({ action: 'get', channelId: 'c', extra: 1 });
    expect(parsed).toEqual({ ok: false, issues: [{ path: 'extra', message: 'unknown field' }] });
  });

  it('accepts a JSON string and rejects broken JSON', () => {
    expect(parseChannelCommand('{"action":"get","channelId":"c"}').ok).toBe(true);
    expect(parseChannelCommand('{nope')).toEqual({
      ok: false,
      issues: [{ path: '', message: 'not valid JSON' }],
    });
  });
});
