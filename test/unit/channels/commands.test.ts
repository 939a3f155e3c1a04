import { MAX_STRING_LENGTH, parseChannelCommand } from '../../../functions/channels/commands';

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
