/** `get` and `list`: views with the token masked. */
import type { ChannelListResult, ChannelResult, UseCaseContext } from '../use-case-context';
import type { ChannelRefInput } from './deactivate-channel';

export interface ListChannelsInput {
  agentId: string;
}

export function getChannelCommand(ctx: UseCaseContext) {
  return async (input: ChannelRefInput): Promise<ChannelResult> => ({
    ok: true,
    channel: ctx.view(await ctx.load(input.channelId, input.version)),
  });
}

export function listChannelsCommand(ctx: UseCaseContext) {
  return async (input: ListChannelsInput): Promise<ChannelListResult> => ({
    ok: true,
    channels: (await ctx.deps.channels.listByAgent(input.agentId)).map(ctx.view),
  });
}
