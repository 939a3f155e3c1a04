/**
 * What every channel command shares: the injected ports plus the small helpers built on them
 * (views, webhook addresses, loading with a version check, the next stored version).
 */
import { type Channel, type ChannelView, toChannelView } from '../domain/channel';
import { NotFoundError, ValidationError, VersionConflictError } from '../errors';
import {
  type ActivationReport,
  type ActivationWarning,
  type CheckSet,
  orderedChecks,
} from './activation-checks';
import type { ChannelUseCaseDeps } from './ports';

export interface ChannelResult {
  ok: true;
  channel: ChannelView;
  activation?: ActivationReport;
}

export interface ChannelListResult {
  ok: true;
  channels: ChannelView[];
}

export interface WebhookSpec {
  url: string;
  name: string;
}

export interface UseCaseContext {
  deps: ChannelUseCaseDeps;
  stamp(): string;
  view(channel: Channel): ChannelView;
  /** Our webhook of this channel at its generation. */
  webhookSpec(channel: Channel): WebhookSpec;
  /** The stored channel; `NotFoundError`, or `VersionConflictError` when `version` is not the stored one. */
  load(channelId: string, version?: number): Promise<Channel>;
  /** The channel as it will be stored next: the patch applied, version + 1, updatedAt now. */
  bump(channel: Channel, patch?: Partial<Channel>): Channel;
  /** The SSRF guard at save time: a forbidden address is a validation error; an unresolvable one may be saved. */
  guardApiUrl(apiUrl: string, path: string): Promise<void>;
}

export function createUseCaseContext(deps: ChannelUseCaseDeps): UseCaseContext {
  const stamp = () => deps.now().toISOString();
  const urlOf = (channel: Channel) => deps.webhooks.urlFor(channel.id, channel.generation);
  return {
    deps,
    stamp,
    view: (channel) => toChannelView(channel, urlOf(channel)),
    webhookSpec: (channel) => ({ url: urlOf(channel), name: deps.webhooks.nameFor(channel.id) }),

    async load(channelId, version) {
      const channel = await deps.channels.get(channelId);
      if (!channel) throw new NotFoundError(`channel ${channelId} does not exist`);
      if (version !== undefined && version !== channel.version) {
        throw new VersionConflictError(
          `channel ${channelId} is at version ${channel.version}, not ${version}; read it again`,
          { expected: version, actual: channel.version },
        );
      }
      return channel;
    },

    bump(channel, patch = {}) {
      const next: Channel = { ...channel, ...patch, version: channel.version + 1, updatedAt: stamp() };
      for (const optional of ['webhookId', 'operatorId', 'signedSince'] as const) {
        if (next[optional] === undefined) delete next[optional];
      }
      return next;
    },

    async guardApiUrl(apiUrl, path) {
      const check = await deps.apiUrlPolicy.check(apiUrl);
      if (!check.ok && check.kind === 'forbidden') {
        throw new ValidationError('invalid command', [{ path, message: `apiUrl ${check.reason}` }]);
      }
    },
  };
}

export function report(
  activated: boolean,
  applied: boolean,
  checks: CheckSet,
  warnings: ActivationWarning[] = [],
): ActivationReport {
  return { activated, applied, checks: orderedChecks(checks), ...(warnings.length > 0 ? { warnings } : {}) };
}

export function summary(checks: CheckSet): Record<string, boolean> {
  return Object.fromEntries(Object.values(checks).map((c) => [c.name, c.ok]));
}

/** The Chat2Desk account of a channel changes with its token or its API address. */
export function accountChanged(before: Channel, after: Channel): boolean {
  return before.token !== after.token || before.apiUrl !== after.apiUrl;
}
