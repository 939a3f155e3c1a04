/** DELETE: deactivates first if active, then removes the channel; answers its last view. */
import { logger } from '../../observability';
import type { ChannelResult, UseCaseContext } from '../use-case-context';
import { type ChannelRefInput, deactivateLoaded } from './deactivate-channel';

export function deleteChannelCommand(ctx: UseCaseContext) {
  return async (input: ChannelRefInput): Promise<ChannelResult> => {
    const current = await ctx.load(input.channelId, input.version);
    const inactive = await deactivateLoaded(ctx, current);
    await ctx.deps.channels.remove(inactive);
    logger.info('channel deleted', { channelId: current.id });
    return { ok: true, channel: ctx.view(inactive) };
  };
}
