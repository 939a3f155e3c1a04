/** CREATE / CREATE & ACTIVATE: stored inactive; with `activate`, activated only if every check passes. */
import { CHANNEL_TYPE, type Channel, type ChannelFields } from '../../domain/channel';
import { logger } from '../../observability';
import { activate } from '../activation-saga';
import type { ChannelResult, UseCaseContext } from '../use-case-context';

export interface CreateChannelInput {
  agentId: string;
  channel: ChannelFields;
  activate?: boolean;
}

export function createChannelCommand(ctx: UseCaseContext) {
  return async (input: CreateChannelInput): Promise<ChannelResult> => {
    await ctx.guardApiUrl(input.channel.apiUrl, 'channel.apiUrl');
    const at = ctx.stamp();
    const channel: Channel = {
      id: ctx.deps.newId(),
      agentId: input.agentId,
      type: CHANNEL_TYPE,
      name: input.channel.name,
      apiUrl: input.channel.apiUrl,
      token: input.channel.token,
      serviceMessages: input.channel.serviceMessages,
      requireSignature: input.channel.requireSignature,
      status: 'inactive',
      generation: 0,
      version: 1,
      createdAt: at,
      updatedAt: at,
    };
    if (input.channel.operatorId !== undefined) channel.operatorId = input.channel.operatorId;
    await ctx.deps.channels.create(channel);
    logger.info('channel created', { channelId: channel.id, agentId: channel.agentId });
    if (!input.activate) return { ok: true, channel: ctx.view(channel) };
    return activate(ctx, channel, true);
  };
}
