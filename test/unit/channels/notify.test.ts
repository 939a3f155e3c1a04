/** notify's own decisions, before any I/O: the phone, the order of checks, what is created. */
import { createNotifyCommand, type NotifyAccount, normalisePhone } from '../../../shared/channels/notify';
import type { Channel } from '../../../shared/domain/channel';

it('normalises phones people write and refuses what is not one', () => {
  expect(normalisePhone('+7 (912) 345-67-89')).toBe('79123456789');
  expect(normalisePhone(' 8.912.345.67.89 ')).toBe('89123456789');
  expect(normalisePhone('123456')).toBeUndefined();
  expect(normalisePhone('1234567890123456')).toBeUndefined();
  expect(normalisePhone('[tg] 807892')).toBeUndefined();
  expect(normalisePhone('79123456789; drop')).toBeUndefined();
});

const channel = (status: Channel['status']): Channel => ({
  id: 'c1',
  agentId: 'a',
  type: 'chat2desk',
  name: 'n',
  apiUrl: 'https://api.chat2desk.com',
  token: 'token-123456',
  serviceMessages: false,
  requireSignature: false,
  status,
  generation: 1,
  version: 1,
  createdAt: '',
  updatedAt: '',
});

function setup(options: { status?: Channel['status']; writeFirst?: boolean; existing?: string } = {}) {
  const calls: string[] = [];
  const sends: unknown[] = [];
  const account: NotifyAccount = {
    apiInfo: async () => {
      calls.push('apiInfo');
      return options.writeFirst === undefined ? {} : { writeFirst: options.writeFirst };
    },
    findClientsByPhone: async (phone) => {
      calls.push(`find ${phone}`);
      return options.existing ? [{ id: options.existing }] : [];
    },
    createClient: async (spec) => {
      calls.push(`create ${spec.phone} ${spec.transport}${spec.c2dChannelId ? ` ${spec.c2dChannelId}` : ''}`);
      return { id: '77' };
    },
  };
  const notify = createNotifyCommand({
    channels: { get: async (id) => (id === 'c1' ? channel(options.status ?? 'active') : undefined) },
    accountFor: () => account,
    send: async (input) => {
      sends.push(input);
      return { ok: true, queued: 1, eventId: 'send:e1' };
    },
  });
  return { notify, calls, sends };
}

const replies = [{ type: 'text', text: 'hi' }];

it('refuses bad input before reading anything, naming every field', async () => {
  const { notify, calls } = setup();
  await expect(notify({ channelId: 'c1', phone: 'x', replies: [] })).rejects.toMatchObject({
    code: 'VALIDATION_FAILED',
    details: { issues: [{ path: 'phone' }, { path: 'replies', message: 'at least one reply' }] },
  });
  expect(calls).toEqual([]);
});

it('checks channel, then write first, before searching or creating in Chat2Desk', async () => {
  await expect(setup().notify({ channelId: 'nope', phone: '79120000000', replies })).rejects.toMatchObject({
    code: 'NOT_FOUND',
  });
  const inactive = setup({ status: 'inactive' });
  await expect(inactive.notify({ channelId: 'c1', phone: '79120000000', replies })).rejects.toMatchObject({
    code: 'CHANNEL_INACTIVE',
  });
  expect(inactive.calls).toEqual([]);
  const off = setup({ writeFirst: false });
  await expect(off.notify({ channelId: 'c1', phone: '79120000000', replies })).rejects.toMatchObject({
    code: 'WRITE_FIRST_DISABLED',
  });
  expect(off.calls).toEqual(['apiInfo']);
});

it('creates on whatsapp by default and sends the transport with the replies; an existing client keeps its own', async () => {
  const fresh = setup({ writeFirst: true });
  expect(
    await fresh.notify({ channelId: 'c1', phone: '+7 912 000 00 00', c2dChannelId: '7001', replies }),
  ).toEqual({
    ok: true,
    clientId: '77',
    chatId: '77|chat2desk',
    eventId: 'send:e1',
    queued: 1,
  });
  expect(fresh.calls).toEqual(['apiInfo', 'find 79120000000', 'create 79120000000 whatsapp 7001']);
  expect(fresh.sends).toEqual([
    {
      channelId: 'c1',
      chatId: '77|chat2desk',
      generation: 1,
      replies,
      target: { transport: 'whatsapp', c2dChannelId: '7001' },
    },
  ]);
  // write_first_option not reported: tried, Chat2Desk decides.
  const known = setup({ existing: '55' });
  await known.notify({ channelId: 'c1', phone: '79120000000', replies });
  expect(known.calls).toEqual(['apiInfo', 'find 79120000000']);
  expect(known.sends).toEqual([
    { channelId: 'c1', chatId: '55|chat2desk', generation: 1, replies, target: {} },
  ]);
});
