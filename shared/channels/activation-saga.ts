/**
 * The activation saga shared by CREATE & ACTIVATE, SAVE & ACTIVATE and APPLY:
 *   checks → one transaction (channel + token lock) → webhook registration → webhook id stored,
 * with a compensation for every step after the transaction, so a command either completes or
 * leaves the previous configuration working (DESIGN §3 invariants 5 and 10).
 *
 * An APPLY that changes the account (token or apiUrl) also retires the old webhook URL: the
 * generation is bumped (a new URL), the new URL is registered in the new account and ours is
 * removed from the old one. Every Chat2Desk call may fail ambiguously (it took effect, the answer
 * was lost), so the compensations are idempotent and each failed one is logged with its reason.
 *
 * A DEACTIVATE or DELETE may run between our transaction and our registration: it stores the
 * channel inactive and unregisters a webhook that is not there yet. Our next conditional write then
 * loses; before reporting the conflict, the webhook we registered is removed again unless the
 * channel is still active at this generation in this account (`withdrawUnlessCurrent`).
 */
import type { Channel } from '../domain/channel';
import { logger } from '../observability';
import {
  type ActivationWarning,
  type CheckSet,
  describeChat2DeskFailure,
  errorText,
  failed,
  passed,
  preflight,
} from './activation-checks';
import { TokenInUseError } from './errors';
import { accountChanged, type ChannelResult, report, summary, type UseCaseContext } from './use-case-context';

const TOKEN_IN_USE_REASON =
  'another active Chat2Desk channel already uses this token; deactivate that channel or use another token';

function lockOptions(reclaimLockFrom: string | undefined) {
  return reclaimLockFrom ? { reclaimLockFrom } : {};
}

/** Only an account change (and its roll-back) writes `signedSince`; every other save leaves it to the webhook. */
function signatureReset(accountChange: boolean) {
  return accountChange ? { resetSignedSince: true } : {};
}

/** Inactive → active: checks, lock, webhook; anything failing after the lock releases it. */
export async function activate(
  ctx: UseCaseContext,
  current: Channel,
  applied: boolean,
): Promise<ChannelResult> {
  const { deps, view } = ctx;
  const pre = await preflight(deps, current);
  if (!pre.allPassed) {
    logger.info('channel not activated: a check failed', {
      channelId: current.id,
      checks: summary(pre.checks),
    });
    return { ok: true, channel: view(current), activation: report(false, applied, pre.checks, pre.warnings) };
  }
  // Each activation gets a new generation: URLs from before a deactivation stop working.
  const locked = ctx.bump(current, {
    status: 'active',
    generation: current.generation + 1,
    webhookId: undefined,
  });
  try {
    await deps.channels.save(locked, current, lockOptions(pre.reclaimLockFrom));
  } catch (err) {
    if (!(err instanceof TokenInUseError)) throw err;
    pre.checks.tokenUnique = failed('tokenUnique', TOKEN_IN_USE_REASON);
    return { ok: true, channel: view(current), activation: report(false, applied, pre.checks, pre.warnings) };
  }
  const account = deps.accounts.forAccount(locked.apiUrl, locked.token);
  let webhookId: string;
  try {
    webhookId = (await account.registerWebhook(ctx.webhookSpec(locked))).webhook.id;
  } catch (err) {
    const reason = describeChat2DeskFailure(err, locked.apiUrl);
    const released = ctx.bump(locked, { status: 'inactive', webhookId: undefined });
    try {
      await deps.channels.save(released, locked);
    } finally {
      // The failure may have been ambiguous (registered, answer lost): remove what may be there,
      // also when the save lost to a concurrent deactivate or delete.
      await account.unregisterWebhook(ctx.webhookSpec(locked)).catch((cleanup: unknown) => {
        logger.warn('could not remove a webhook that may have been registered', {
          channelId: current.id,
          reason: errorText(cleanup),
        });
        return 0;
      });
    }
    logger.warn('channel not activated: webhook registration failed; lock released', {
      channelId: current.id,
    });
    pre.checks.webhookRegistered = failed('webhookRegistered', reason);
    return {
      ok: true,
      channel: view(released),
      activation: report(false, applied, pre.checks, pre.warnings),
    };
  }
  const active = ctx.bump(locked, { webhookId });
  try {
    await deps.channels.save(active, locked);
  } catch (err) {
    return withdrawUnlessCurrent(ctx, locked, err);
  }
  pre.checks.webhookRegistered = passed('webhookRegistered');
  logger.info('channel activated', { channelId: active.id, generation: active.generation });
  return { ok: true, channel: view(active), activation: report(true, applied, pre.checks, pre.warnings) };
}

/**
 * APPLY: changes to an active channel take effect only if every check passes; else nothing changes.
 * An account change gets a new generation (the old URL is retired) and starts unsigned (the new
 * account's first signed delivery counts again).
 */
export async function applyChanges(
  ctx: UseCaseContext,
  current: Channel,
  merged: Channel,
): Promise<ChannelResult> {
  const { deps, view } = ctx;
  const pre = await preflight(deps, merged);
  if (!pre.allPassed) {
    logger.info('changes not applied: a check failed', {
      channelId: current.id,
      checks: summary(pre.checks),
    });
    return { ok: true, channel: view(current), activation: report(true, false, pre.checks, pre.warnings) };
  }
  const moving = accountChanged(current, merged);
  const next = moving
    ? ctx.bump(merged, { generation: current.generation + 1, webhookId: undefined, signedSince: undefined })
    : ctx.bump(merged);
  try {
    // Moves the lock when the token changed: the new one taken, the old one released, atomically.
    await deps.channels.save(next, current, {
      ...lockOptions(pre.reclaimLockFrom),
      ...signatureReset(moving),
    });
  } catch (err) {
    if (!(err instanceof TokenInUseError)) throw err;
    pre.checks.tokenUnique = failed('tokenUnique', TOKEN_IN_USE_REASON);
    return { ok: true, channel: view(current), activation: report(true, false, pre.checks, pre.warnings) };
  }
  const account = deps.accounts.forAccount(next.apiUrl, next.token);
  let webhookId: string;
  try {
    webhookId = (await account.registerWebhook(ctx.webhookSpec(next))).webhook.id;
  } catch (err) {
    pre.checks.webhookRegistered = failed('webhookRegistered', describeChat2DeskFailure(err, next.apiUrl));
    return rollBackApply(ctx, current, next, pre.checks, pre.warnings);
  }
  let final = next;
  if (webhookId !== next.webhookId) {
    final = ctx.bump(next, { webhookId });
    try {
      await deps.channels.save(final, next);
    } catch (err) {
      if (moving) await retireOldWebhook(ctx, current, webhookId);
      return withdrawUnlessCurrent(ctx, next, err);
    }
  }
  if (moving) await retireOldWebhook(ctx, current, webhookId);
  pre.checks.webhookRegistered = passed('webhookRegistered');
  logger.info('changes applied', {
    channelId: final.id,
    accountChanged: moving,
    generation: final.generation,
  });
  return { ok: true, channel: view(final), activation: report(true, true, pre.checks, pre.warnings) };
}

/**
 * The write recording our registration lost (`err`: a version conflict, or not found after a
 * DELETE). A concurrent DEACTIVATE/DELETE unregistered before our webhook existed, so it is removed
 * here (by its URL: the id may be reused by a later registration under our name), unless the
 * channel is still active at the generation and account it was registered for. Then `err` is
 * reported as it is: the caller reads the channel again.
 */
async function withdrawUnlessCurrent(
  ctx: UseCaseContext,
  registeredFor: Channel,
  err: unknown,
): Promise<never> {
  const { deps } = ctx;
  let current: Channel | undefined;
  try {
    current = await deps.channels.get(registeredFor.id);
  } catch (readErr) {
    logger.warn('lost a concurrent write and could not re-read the channel; its webhook is kept', {
      channelId: registeredFor.id,
      reason: errorText(readErr),
    });
    throw err;
  }
  const stillCurrent =
    current?.status === 'active' &&
    current.generation === registeredFor.generation &&
    !accountChanged(current, registeredFor);
  if (!stillCurrent) {
    const removed = await deps.accounts
      .forAccount(registeredFor.apiUrl, registeredFor.token)
      .unregisterWebhook({ url: ctx.webhookSpec(registeredFor).url })
      .catch((cleanup: unknown) => {
        logger.warn('could not remove the webhook of a channel deactivated or deleted meanwhile', {
          channelId: registeredFor.id,
          reason: errorText(cleanup),
        });
        return 0;
      });
    logger.info('webhook withdrawn: the channel was deactivated or deleted meanwhile', {
      channelId: registeredFor.id,
      webhooksRemoved: removed,
    });
  }
  throw err;
}

/**
 * After an account change: ours in the old account would keep delivering to a retired URL (404
 * until Chat2Desk disables it after 5 h). Removed, keeping the new one when both are one account.
 */
async function retireOldWebhook(ctx: UseCaseContext, previous: Channel, keepId: string): Promise<void> {
  try {
    await ctx.deps.accounts.forAccount(previous.apiUrl, previous.token).unregisterWebhook({
      ...ctx.webhookSpec(previous),
      ...(previous.webhookId ? { id: previous.webhookId } : {}),
      keepId,
    });
  } catch (err) {
    // Compensation: none is needed for correctness: the old URL is retired and answers 404.
    logger.warn('could not remove the webhook from the previous account; its URL is retired (404)', {
      channelId: previous.id,
      reason: errorText(err),
    });
  }
}

/**
 * Webhook registration failed after the transaction: the item is put back exactly as it was
 * (lock back on the old token). For an account change the new account may hold our new URL (an
 * ambiguous failure), and in one account the registration may have moved our old webhook: both
 * are repaired, best effort and logged (the healer re-registers the old URL within 10 minutes if
 * this fails too). If the old token was taken by another channel meanwhile, the channel is
 * deactivated instead.
 */
async function rollBackApply(
  ctx: UseCaseContext,
  current: Channel,
  next: Channel,
  checks: CheckSet,
  warnings: ActivationWarning[],
): Promise<ChannelResult> {
  const { deps, view } = ctx;
  const moving = accountChanged(current, next);
  try {
    await deps.channels.save(current, next, signatureReset(moving));
  } catch (err) {
    if (!(err instanceof TokenInUseError)) throw err;
    const inactive = ctx.bump(
      { ...current, version: next.version },
      { status: 'inactive', webhookId: undefined },
    );
    await deps.channels.save(inactive, next, signatureReset(moving));
    logger.warn('changes not applied and the old token was taken meanwhile: channel deactivated', {
      channelId: current.id,
    });
    return { ok: true, channel: view(inactive), activation: report(false, false, checks, warnings) };
  }
  if (moving) {
    const newAccount = deps.accounts.forAccount(next.apiUrl, next.token);
    await newAccount.unregisterWebhook({ url: ctx.webhookSpec(next).url }).catch((err: unknown) => {
      logger.warn('could not remove the new webhook URL from the new account', {
        channelId: current.id,
        reason: errorText(err),
      });
      return 0;
    });
    await deps.accounts
      .forAccount(current.apiUrl, current.token)
      .registerWebhook(ctx.webhookSpec(current))
      .catch((err: unknown) => {
        logger.warn('could not confirm the webhook in the previous account; the healer retries', {
          channelId: current.id,
          reason: errorText(err),
        });
      });
  }
  logger.warn('changes not applied: webhook registration failed; previous state restored', {
    channelId: current.id,
  });
  return { ok: true, channel: view(current), activation: report(true, false, checks, warnings) };
}
