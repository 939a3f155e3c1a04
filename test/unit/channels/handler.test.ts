import { channelsHandler, handleChannelCommand } from '../../../functions/channels/handler';
import type { ChannelUseCases } from '../../../shared/channels/channel-use-cases';
import { resetConfig } from '../../../shared/config';

const failing: ChannelUseCases = new Proxy({} as ChannelUseCases, {
  get: () => async () => {
    throw new Error('connect ECONNREFUSED 10.0.0.1:8000');
  },
});

it('maps an unexpected failure to INTERNAL without internals', async () => {
  expect(await handleChannelCommand({ action: 'get', channelId: 'c' }, failing)).toEqual({
    ok: false,
    error: { code: 'INTERNAL', message: 'internal error; see the function log' },
  });
});

it('answers a misconfigured function with a result, never a throw', async () => {
  const saved = process.env.TABLE_NAME;
  delete process.env.TABLE_NAME;
  resetConfig();
  try {
    const result = await channelsHandler({ action: 'get', channelId: 'c' });
    expect(result).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  } finally {
    if (saved !== undefined) process.env.TABLE_NAME = saved;
    resetConfig();
  }
});
