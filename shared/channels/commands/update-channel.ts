/**
 * `update`: APPLY on an active channel (every check re-run, changes stored only if all pass),
 * SAVE / SAVE & ACTIVATE on an inactive one.
 */
import type { Channel, ChannelChanges } from '../../domain/channel';
import { ValidationError } from '../../errors';
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

/** Scheme, host (lower case, IDN as punycode) and port, the default port left out. */
function originOf(apiUrl: string): string {
  return new URL(apiUrl).origin;
}

/** One address however it is spelled: `https://API.example.com/` and `https://api.example.com:443` are one. */
function sameAddress(a: string, b: string): boolean {
  const [x, y] = [new URL(a), new URL(b)];
  const rest = (u: URL) => `${u.pathname.replace(/\/+$/, '')}${u.search}`;
  return x.origin === y.origin && rest(x) === rest(y);
}

export const TOKEN_AGAIN_MESSAGE = 'enter the token again when the API address changes';

/**
 * The token goes only to the host it was entered for (DESIGN §3 invariant 12): a new origin needs
 * the token typed again. A respelling of the same address is no change at all.
 */
async function checkedChanges(ctx: UseCaseContext, current: Channel, changes: ChannelChanges) {
  if (changes.apiUrl === undefined) return changes;
  if (sameAddress(changes.apiUrl, current.apiUrl)) {
    const { apiUrl: _same, ...rest } = changes;
    return rest;
  }
  await ctx.guardApiUrl(changes.apiUrl, 'changes.apiUrl');
  if (changes.token === undefined && originOf(changes.apiUrl) !== originOf(current.apiUrl)) {
    throw new ValidationError(TOKEN_AGAIN_MESSAGE, [{ path: 'changes.token', message: TOKEN_AGAIN_MESSAGE }]);
  }
  return changes;
}

export function updateChannelCommand(ctx: UseCaseContext) {
  return async (input: UpdateChannelInput): Promise<ChannelResult> => {
    const current = await ctx.load(input.channelId, input.version);
    const merged = merge(current, await checkedChanges(ctx, current, input.changes));
    if (!differs(current, merged)) {
      // Nothing to change: nothing written, nothing checked, the channel as it is (same version).
      // Only SAVE & ACTIVATE of an inactive channel has something left to do: activate it.
      if (current.status === 'active' || !input.activate) return { ok: true, channel: ctx.view(current) };
      return activate(ctx, current, true);
    }
    if (current.status === 'active') return applyChanges(ctx, current, merged);
    // An inactive channel has no webhook and no lock: a new account needs no clean-up here,
    // but it starts unsigned again.
    const moved = current.token !== merged.token || current.apiUrl !== merged.apiUrl;
    const saved = ctx.bump(merged, moved ? { signedSince: undefined } : {});
    await ctx.deps.channels.save(saved, current, moved ? { resetSignedSince: true } : {});
    logger.info('channel saved', { channelId: saved.id });
    if (!input.activate) return { ok: true, channel: ctx.view(saved) };
    return activate(ctx, saved, true);
  };
}
