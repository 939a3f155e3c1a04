/** DEACTIVATE (and the first half of DELETE): inactive + lock released in one transaction, then our webhook removed. */
import type { Channel } from '../../domain/channel';
import { logger } from '../../observability';
import { errorText } from '../activation-checks';
import type { ChannelResult, UseCaseContext } from '../use-case-context';

export interface ChannelRefInput {
  channelId: string;
  version?: number;
}

export async function deactivateLoaded(ctx: UseCaseContext, current: Channel): Promise<Channel> {
  if (current.status !== 'active') return current;
  const inactive = ctx.bump(current, { status: 'inactive', webhookId: undefined });
  await ctx.deps.channels.save(inactive, current);
  try {
    const removed = await ctx.deps.accounts.forAccount(current.apiUrl, current.token).unregisterWebhook({
      ...ctx.webhookSpec(current),
      ...(current.webhookId ? { id: current.webhookId } : {}),
    });
    logger.info('channel deactivated', { channelId: current.id, webhooksRemoved: removed });
  } catch (err) {
    // The lock is released already; a webhook left behind delivers to an inactive channel (404)
    // and dies with the next activation's new generation.
    logger.warn('channel deactivated; the webhook could not be removed from Chat2Desk', {
      channelId: current.id,
      reason: errorText(err),
    });
  }
  return inactive;
}

export function deactivateChannelCommand(ctx: UseCaseContext) {
  return async (input: ChannelRefInput): Promise<ChannelResult> => {
    const current = await ctx.load(input.channelId, input.version);
    return { ok: true, channel: ctx.view(await deactivateLoaded(ctx, current)) };
  };
}
