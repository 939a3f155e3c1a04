/**
 * Channel management use cases (DESIGN §4.1, the seed's lifecycle buttons):
 * CREATE / CREATE & ACTIVATE, APPLY (update of an active channel), SAVE / SAVE & ACTIVATE (update
 * of an inactive one), DEACTIVATE, DELETE, plus get and list.
 *
 * Invariants kept here: a token lock exists only with an active channel (the store writes both in
 * one transaction); a failure after the lock was taken undoes it; APPLY with any failing check
 * changes nothing.
 */
import type { ChannelChanges, ChannelFields } from '../domain/channel';
import { CHANNEL_TYPE, type Channel, type ChannelView, toChannelView } from '../domain/channel';
import { NotFoundError, ValidationError, VersionConflictError } from '../errors';
import { logger } from '../observability';
import {
  type ActivationReport,
  type ActivationWarning,
  type CheckSet,
  describeChat2DeskFailure,
  failed,
  orderedChecks,
  passed,
  preflight,
} from './activation-checks';
import { TokenInUseError } from './errors';
import type { ChannelUseCaseDeps } from './ports';

export interface CreateChannelInput {
  agentId: string;
  channel: ChannelFields;
  activate?: boolean;
}

export interface UpdateChannelInput {
  channelId: string;
  changes: ChannelChanges;
  activate?: boolean;
  version?: number;
}

export interface ChannelRefInput {
  channelId: string;
  version?: number;
}

export interface ListChannelsInput {
  agentId: string;
}

export interface ChannelResult {
  ok: true;
  channel: ChannelView;
  activation?: ActivationReport;
}

export interface ChannelListResult {
  ok: true;
  channels: ChannelView[];
}

export interface ChannelUseCases {
  create(input: CreateChannelInput): Promise<ChannelResult>;
  update(input: UpdateChannelInput): Promise<ChannelResult>;
  deactivate(input: ChannelRefInput): Promise<ChannelResult>;
  remove(input: ChannelRefInput): Promise<ChannelResult>;
  get(input: ChannelRefInput): Promise<ChannelResult>;
  list(input: ListChannelsInput): Promise<ChannelListResult>;
}

const TOKEN_IN_USE_REASON =
  'another active Chat2Desk channel already uses this token; deactivate that channel or use another token';

export function createChannelUseCases(deps: ChannelUseCaseDeps): ChannelUseCases {
  const { channels } = deps;
  const stamp = () => deps.now().toISOString();
  const view = (channel: Channel) =>
    toChannelView(channel, deps.webhooks.urlFor(channel.id, channel.generation));
  const webhookSpec = (channel: Channel) => ({
    url: deps.webhooks.urlFor(channel.id, channel.generation),
    name: deps.webhooks.nameFor(channel.id),
  });

  /** The SSRF guard at save time: a forbidden address is a validation error; an unresolvable one may be saved. */
  async function guardApiUrl(apiUrl: string, path: string): Promise<void> {
    const check = await deps.apiUrlPolicy.check(apiUrl);
    if (!check.ok && check.kind === 'forbidden') {
      throw new ValidationError('invalid command', [{ path, message: `apiUrl ${check.reason}` }]);
    }
  }

  async function load(channelId: string, version?: number): Promise<Channel> {
    const channel = await channels.get(channelId);
    if (!channel) throw new NotFoundError(`channel ${channelId} does not exist`);
    if (version !== undefined && version !== channel.version) {
      throw new VersionConflictError(
        `channel ${channelId} is at version ${channel.version}, not ${version}; read it again`,
        { expected: version, actual: channel.version },
      );
    }
    return channel;
  }

  function bump(channel: Channel, patch: Partial<Channel> = {}): Channel {
    const next: Channel = { ...channel, ...patch, version: channel.version + 1, updatedAt: stamp() };
    if (next.webhookId === undefined) delete next.webhookId;
    if (next.operatorId === undefined) delete next.operatorId;
    return next;
  }

  function merge(channel: Channel, changes: ChannelChanges): Channel {
    const merged: Channel = { ...channel };
    if (changes.name !== undefined) merged.name = changes.name;
    if (changes.apiUrl !== undefined) merged.apiUrl = changes.apiUrl;
    if (changes.token !== undefined) merged.token = changes.token;
    if (changes.serviceMessages !== undefined) merged.serviceMessages = changes.serviceMessages;
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
      a.serviceMessages !== b.serviceMessages
    );
  }

  /** Inactive → active: checks, lock, webhook; anything failing after the lock releases it. */
  async function activate(current: Channel, applied: boolean): Promise<ChannelResult> {
    const pre = await preflight(deps, current);
    if (!pre.allPassed) {
      logger.info('channel not activated: a check failed', {
        channelId: current.id,
        checks: summary(pre.checks),
      });
      return {
        ok: true,
        channel: view(current),
        activation: report(false, applied, pre.checks, pre.warnings),
      };
    }
    // Each activation gets a new generation: URLs from before a deactivation stop working.
    const locked = bump(current, {
      status: 'active',
      generation: current.generation + 1,
      webhookId: undefined,
    });
    try {
      await channels.save(locked, current, lockOptions(pre.reclaimLockFrom));
    } catch (err) {
      if (!(err instanceof TokenInUseError)) throw err;
      pre.checks.tokenUnique = failed('tokenUnique', TOKEN_IN_USE_REASON);
      return {
        ok: true,
        channel: view(current),
        activation: report(false, applied, pre.checks, pre.warnings),
      };
    }
    const account = deps.accounts.forAccount(locked.apiUrl, locked.token);
    let webhookId: string;
    try {
      webhookId = (await account.registerWebhook(webhookSpec(locked))).webhook.id;
    } catch (err) {
      const reason = describeChat2DeskFailure(err, locked.apiUrl);
      const released = bump(locked, { status: 'inactive', webhookId: undefined });
      await channels.save(released, locked);
      await account.unregisterWebhook(webhookSpec(locked)).catch(() => 0);
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
    const active = bump(locked, { webhookId });
    await channels.save(active, locked);
    pre.checks.webhookRegistered = passed('webhookRegistered');
    logger.info('channel activated', { channelId: active.id, generation: active.generation });
    return { ok: true, channel: view(active), activation: report(true, applied, pre.checks, pre.warnings) };
  }

  /** APPLY: changes to an active channel take effect only if every check passes; else nothing changes. */
  async function apply(current: Channel, merged: Channel): Promise<ChannelResult> {
    const pre = await preflight(deps, merged);
    if (!pre.allPassed) {
      logger.info('changes not applied: a check failed', {
        channelId: current.id,
        checks: summary(pre.checks),
      });
      return { ok: true, channel: view(current), activation: report(true, false, pre.checks, pre.warnings) };
    }
    const next = bump(merged);
    try {
      // Moves the lock when the token changed: the new one taken, the old one released, atomically.
      await channels.save(next, current, lockOptions(pre.reclaimLockFrom));
    } catch (err) {
      if (!(err instanceof TokenInUseError)) throw err;
      pre.checks.tokenUnique = failed('tokenUnique', TOKEN_IN_USE_REASON);
      return { ok: true, channel: view(current), activation: report(true, false, pre.checks, pre.warnings) };
    }
    const account = deps.accounts.forAccount(next.apiUrl, next.token);
    let webhookId: string;
    try {
      webhookId = (await account.registerWebhook(webhookSpec(next))).webhook.id;
    } catch (err) {
      pre.checks.webhookRegistered = failed('webhookRegistered', describeChat2DeskFailure(err, next.apiUrl));
      return rollBackApply(current, next, pre.checks, pre.warnings);
    }
    let final = next;
    if (webhookId !== next.webhookId) {
      final = bump(next, { webhookId });
      await channels.save(final, next);
    }
    const accountChanged = current.token !== next.token || current.apiUrl !== next.apiUrl;
    if (accountChanged) {
      // Ours in the old account would keep delivering; remove it (keeping the new one if same account).
      await deps.accounts
        .forAccount(current.apiUrl, current.token)
        .unregisterWebhook({
          ...webhookSpec(current),
          ...(current.webhookId ? { id: current.webhookId } : {}),
          keepId: webhookId,
        })
        .catch(() => {
          logger.warn('could not remove the webhook from the previous account', { channelId: current.id });
          return 0;
        });
    }
    pre.checks.webhookRegistered = passed('webhookRegistered');
    logger.info('changes applied', { channelId: final.id, accountChanged });
    return { ok: true, channel: view(final), activation: report(true, true, pre.checks, pre.warnings) };
  }

  /** Puts the item back exactly as it was (lock back on the old token); deactivates if that token was taken meanwhile. */
  async function rollBackApply(
    current: Channel,
    next: Channel,
    checks: CheckSet,
    warnings: ActivationWarning[],
  ): Promise<ChannelResult> {
    try {
      await channels.save(current, next);
      logger.warn('changes not applied: webhook registration failed; previous state restored', {
        channelId: current.id,
      });
      return { ok: true, channel: view(current), activation: report(true, false, checks, warnings) };
    } catch (err) {
      if (!(err instanceof TokenInUseError)) throw err;
      const inactive = bump(
        { ...current, version: next.version },
        { status: 'inactive', webhookId: undefined },
      );
      await channels.save(inactive, next);
      logger.warn('changes not applied and the old token was taken meanwhile: channel deactivated', {
        channelId: current.id,
      });
      return { ok: true, channel: view(inactive), activation: report(false, false, checks, warnings) };
    }
  }

  async function deactivateLoaded(current: Channel): Promise<Channel> {
    if (current.status !== 'active') return current;
    const inactive = bump(current, { status: 'inactive', webhookId: undefined });
    await channels.save(inactive, current);
    try {
      const removed = await deps.accounts.forAccount(current.apiUrl, current.token).unregisterWebhook({
        ...webhookSpec(current),
        ...(current.webhookId ? { id: current.webhookId } : {}),
      });
      logger.info('channel deactivated', { channelId: current.id, webhooksRemoved: removed });
    } catch {
      // The lock is released already; a webhook left behind delivers to an inactive channel (dropped)
      // and dies with the next activation's new generation.
      logger.warn('channel deactivated; the webhook could not be removed from Chat2Desk', {
        channelId: current.id,
      });
    }
    return inactive;
  }

  return {
    async create(input) {
      await guardApiUrl(input.channel.apiUrl, 'channel.apiUrl');
      const at = stamp();
      const channel: Channel = {
        id: deps.newId(),
        agentId: input.agentId,
        type: CHANNEL_TYPE,
        name: input.channel.name,
        apiUrl: input.channel.apiUrl,
        token: input.channel.token,
        serviceMessages: input.channel.serviceMessages,
        status: 'inactive',
        generation: 0,
        version: 1,
        createdAt: at,
        updatedAt: at,
      };
      if (input.channel.operatorId !== undefined) channel.operatorId = input.channel.operatorId;
      await channels.create(channel);
      logger.info('channel created', { channelId: channel.id, agentId: channel.agentId });
      if (!input.activate) return { ok: true, channel: view(channel) };
      return activate(channel, true);
    },

    async update(input) {
      const current = await load(input.channelId, input.version);
      if (input.changes.apiUrl !== undefined && input.changes.apiUrl !== current.apiUrl) {
        await guardApiUrl(input.changes.apiUrl, 'changes.apiUrl');
      }
      const merged = merge(current, input.changes);
      if (current.status === 'active') return apply(current, merged);
      let saved = current;
      if (differs(current, merged)) {
        saved = bump(merged);
        await channels.save(saved, current);
        logger.info('channel saved', { channelId: saved.id });
      }
      if (!input.activate) return { ok: true, channel: view(saved) };
      return activate(saved, true);
    },

    async deactivate(input) {
      const current = await load(input.channelId, input.version);
      return { ok: true, channel: view(await deactivateLoaded(current)) };
    },

    async remove(input) {
      const current = await load(input.channelId, input.version);
      const inactive = await deactivateLoaded(current);
      await channels.remove(inactive);
      logger.info('channel deleted', { channelId: current.id });
      return { ok: true, channel: view(inactive) };
    },

    async get(input) {
      return { ok: true, channel: view(await load(input.channelId, input.version)) };
    },

    async list(input) {
      const all = await channels.listByAgent(input.agentId);
      return { ok: true, channels: all.map(view) };
    },
  };
}

function lockOptions(reclaimLockFrom: string | undefined) {
  return reclaimLockFrom ? { reclaimLockFrom } : {};
}

function report(
  activated: boolean,
  applied: boolean,
  checks: CheckSet,
  warnings: ActivationWarning[] = [],
): ActivationReport {
  return { activated, applied, checks: orderedChecks(checks), ...(warnings.length > 0 ? { warnings } : {}) };
}

function summary(checks: CheckSet): Record<string, boolean> {
  return Object.fromEntries(Object.values(checks).map((c) => [c.name, c.ok]));
}
