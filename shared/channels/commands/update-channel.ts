/**
 * `update`: APPLY on an active channel (every check re-run, changes stored only if all pass),
 * SAVE / SAVE & ACTIVATE on an inactive one.
 */
import type { Channel, ChannelChanges } from '../../domain/channel';
import { logger } from '../../observability';
import { activate, applyChanges } from '../activation-saga';
import type { ChannelResult, UseCaseContext } from '../use-case-context';

export interface UpdateChannelInput {
  channelId: string;
  changes: ChannelChanges;
  activate?: boolean;
  version?: number;
}

function merge(channel: Channel, changes: ChannelChanges): Channel {
  const merged: Channel = { ...channel };
  if (changes.name !== undefined) merged.name = changes.name;
  if (changes.apiUrl !== undefined) merged.apiUrl = changes.apiUrl;
  if (changes.token !== undefined) merged.token = changes.token;
  if (changes.serviceMessages !== undefined) merged.serviceMessages = changes.serviceMessages;
  if (changes.requireSignature !== undefined) merged.requireSignature = changes.requireSignature;
  if (changes.operatorId === null) delete merged.operatorId;
  else if (changes.operatorId !== undefined) merged.operatorId = changes.operatorId;
  return merged;
}

function differs(a: Channel, b: Channel): boolean {
  return (
    a.name !== b.name ||
    a.apiUrl !== b.apiUrl ||
    a.token !== b.token ||
    a.operatorId !== b.operatorId ||
    a.serviceMessages !== b.serviceMessages ||
    a.requireSignature !== b.requireSignature
  );
}

export function updateChannelCommand(ctx: UseCaseContext) {
  return async (input: UpdateChannelInput): Promise<ChannelResult> => {
    const current = await ctx.load(input.channelId, input.version);
    if (input.changes.apiUrl !== undefined && input.changes.apiUrl !== current.apiUrl) {
      await ctx.guardApiUrl(input.changes.apiUrl, 'changes.apiUrl');
    }
    const merged = merge(current, input.changes);
    if (current.status === 'active') return applyChanges(ctx, current, merged);
    let saved = current;
    if (differs(current, merged)) {
      // An inactive channel has no webhook and no lock: a new account needs no clean-up here,
      // but it starts unsigned again.
      const moved = current.token !== merged.token || current.apiUrl !== merged.apiUrl;
      saved = ctx.bump(merged, moved ? { signedSince: undefined } : {});
      await ctx.deps.channels.save(saved, current, moved ? { resetSignedSince: true } : {});
      logger.info('channel saved', { channelId: saved.id });
    }
    if (!input.activate) return { ok: true, channel: ctx.view(saved) };
    return activate(ctx, saved, true);
  };
}
