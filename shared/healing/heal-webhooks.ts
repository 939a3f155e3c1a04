/**
 * Self-healing webhooks. Chat2Desk disables a webhook after 5 h of failed deliveries (and a user
 * may delete it in the Chat2Desk UI); the channel then silently stops receiving messages. Run on a
 * schedule, this checks every active channel's webhook in its account and:
 * - enabled (any status but 'disabled')  → healthy, nothing changes;
 * - disabled                             → re-enabled (PUT with status enable, our URL/name/events);
 * - missing                              → re-registered (idempotent register: by URL, else by name),
 *   only after re-reading the channel: a channel deactivated meanwhile must not get a webhook back.
 * After re-enabling or re-registering, the channel is read once more: a deactivation that slipped
 * in between (its own unregister ran before ours landed) gets our webhook removed again.
 *
 * A tenant's address is untrusted (DESIGN §3 invariant 12), so a run must finish: it has a
 * deadline (from the invocation's remaining time), channels are taken in a new random order each
 * run with those that failed at their last check after the others, and each channel gets at most
 * its share of the time left (a part of time left × lanes ÷ channels not yet started), so slow accounts
 * cannot hold the lanes the healthy ones behind them need. One channel failing never stops the
 * others; each result is logged and counted by the caller.
 */
import type { Channel } from '../domain/channel';
import type { AccountWebhook, HealCandidate, WebhookRegistration, WebhookSpec } from './ports';

export type HealOutcome = 'healthy' | 'reEnabled' | 'reRegistered' | 'skipped' | 'failed';

export type { HealCandidate };

export interface ChannelHealResult {
  channelId: string;
  outcome: HealOutcome;
  webhookId?: string;
  /** Delivery errors Chat2Desk lists for the webhook (count only: the texts may quote our URL). */
  deliveryErrors?: number;
  /** Why it failed or was skipped: a failure kind, never a token or URL. */
  reason?: string;
}

/** The account calls the healer needs (a subset of `Chat2DeskAccountClient`). */
export interface WebhookAccountPort {
  listWebhooks(): Promise<AccountWebhook[]>;
  updateWebhook(id: string, spec: WebhookSpec & { enabled?: boolean }): Promise<AccountWebhook>;
  registerWebhook(spec: WebhookSpec): Promise<WebhookRegistration>;
  /** Removes the webhooks with this URL; resolves with the number removed. */
  unregisterWebhook(spec: { url: string }): Promise<number>;
}

export interface HealWebhooksDeps {
  /** Every channel whose status is active (may be slightly stale). */
  activeChannels(): Promise<HealCandidate[]>;
  /** A fresh, consistent read: is this channel still active with this generation? */
  isStillActive(channel: Channel): Promise<boolean>;
  /** The channel's account; its requests end when `signal` aborts (the channel's time is up). */
  accountFor(channel: Channel, signal?: AbortSignal): WebhookAccountPort;
  /**
   * The memory of failed checks, which orders the next run: written only when a check fails, and
   * cleared when a channel that had failed is fine again. Best effort: a lost write only reorders.
   */
  recordFailure?(channel: Channel, at: Date): Promise<void>;
  clearFailure?(channel: Channel): Promise<void>;
  /** The webhook the channel should have: its URL (with the current generation) and our name. */
  expectedWebhook(channel: Channel): WebhookSpec;
  /** Channels checked at the same time. */
  concurrency: number;
}

export interface HealRunOptions {
  /** When the run must be over (epoch ms); channels not started by then are skipped (`runDeadline`). */
  deadline?: number;
  /** The order's randomness (tests fix it). */
  random?: () => number;
  now?: () => number;
}

export interface HealReport {
  results: ChannelHealResult[];
  counts: Record<HealOutcome, number>;
  /** Channels the run did not reach before its deadline (also in `results` as skipped). */
  notReached: number;
}

/**
 * A channel gets this part of its fair share (time left × lanes ÷ channels not started): the rest
 * absorbs what happens between requests (event-loop delays on a busy host), so the run does not
 * overrun and the shares of the last channels grow instead of shrinking.
 */
export const SHARE_OF_FAIR = 0.8;
/** A channel's share is never cut below this (when the deadline allows it). */
export const MIN_CHANNEL_SHARE_MS = 250;
/** Less time than this left: the channel is not started (it could not finish a request). */
export const MIN_CHANNEL_START_MS = 100;

/** The failure kind of a Chat2Desk error (`.failure`), else the error's name. */
function reasonOf(err: unknown): string {
  if (err && typeof err === 'object') {
    const failure = (err as { failure?: unknown }).failure;
    if (typeof failure === 'string') return failure;
    const name = (err as { name?: unknown }).name;
    if (typeof name === 'string') return name;
  }
  return 'unknown';
}

export async function healChannelWebhook(
  deps: HealWebhooksDeps,
  channel: Channel,
  signal?: AbortSignal,
): Promise<ChannelHealResult> {
  const channelId = channel.id;
  try {
    const account = deps.accountFor(channel, signal);
    const expected = deps.expectedWebhook(channel);
    const ours = (await account.listWebhooks()).find((w) => w.url === expected.url);
    if (ours && ours.status !== 'disabled') {
      return { channelId, outcome: 'healthy', webhookId: ours.id, deliveryErrors: ours.errors.length };
    }
    if (!(await deps.isStillActive(channel))) {
      return { channelId, outcome: 'skipped', reason: 'channelNoLongerActive' };
    }
    const result: ChannelHealResult = ours
      ? {
          channelId,
          outcome: 'reEnabled',
          webhookId: (await account.updateWebhook(ours.id, { ...expected, enabled: true })).id,
          deliveryErrors: ours.errors.length,
        }
      : {
          channelId,
          outcome: 'reRegistered',
          webhookId: (await account.registerWebhook(expected)).webhook.id,
        };
    // A deactivation between our read and our write removed nothing of ours: remove it here.
    // (One after this read finds ours in the account and removes it itself.)
    if (!(await deps.isStillActive(channel))) {
      await account.unregisterWebhook({ url: expected.url });
      return { channelId, outcome: 'skipped', reason: 'channelNoLongerActive' };
    }
    return result;
  } catch (err) {
    return { channelId, outcome: 'failed', reason: signal?.aborted ? 'outOfTime' : reasonOf(err) };
  }
}

/** A new random order each run; channels whose last check failed go after the others. */
export function healOrder(channels: readonly HealCandidate[], random: () => number = Math.random): number[] {
  const order = channels.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const failedBefore = (i: number) => (channels[i]!.lastHealFailureAt ? 1 : 0);
  return order.sort((a, b) => failedBefore(a) - failedBefore(b));
}

async function remember(deps: HealWebhooksDeps, channel: HealCandidate, result: ChannelHealResult, at: Date) {
  try {
    if (result.outcome === 'failed') await deps.recordFailure?.(channel, at);
    else if (result.outcome !== 'skipped' && channel.lastHealFailureAt) await deps.clearFailure?.(channel);
  } catch {
    // Only the next run's order depends on it.
  }
}

export async function healWebhooks(
  deps: HealWebhooksDeps,
  options: HealRunOptions = {},
): Promise<HealReport> {
  const now = options.now ?? Date.now;
  const channels = await deps.activeChannels();
  const order = healOrder(channels, options.random);
  const results: ChannelHealResult[] = new Array(channels.length);
  const lanes = Math.max(1, Math.min(deps.concurrency, channels.length));
  let next = 0;
  let notReached = 0;
  const work = Array.from({ length: lanes }, async () => {
    while (next < order.length) {
      const index = order[next]!;
      const left = order.length - next;
      next += 1;
      const channel = channels[index]!;
      const timeLeft = options.deadline === undefined ? undefined : options.deadline - now();
      if (timeLeft !== undefined && timeLeft < MIN_CHANNEL_START_MS) {
        results[index] = { channelId: channel.id, outcome: 'skipped', reason: 'runDeadline' };
        notReached += 1;
        continue;
      }
      let timer: NodeJS.Timeout | undefined;
      const cut = new AbortController();
      if (timeLeft !== undefined) {
        const fair = (SHARE_OF_FAIR * timeLeft * lanes) / left;
        const share = Math.min(timeLeft, Math.max(MIN_CHANNEL_SHARE_MS, fair));
        timer = setTimeout(() => cut.abort(), share);
      }
      try {
        results[index] = await healChannelWebhook(deps, channel, cut.signal);
      } finally {
        clearTimeout(timer);
      }
      await remember(deps, channel, results[index]!, new Date(now()));
    }
  });
  await Promise.all(work);
  const counts: Record<HealOutcome, number> = {
    healthy: 0,
    reEnabled: 0,
    reRegistered: 0,
    skipped: 0,
    failed: 0,
  };
  for (const r of results) counts[r.outcome] += 1;
  return { results, counts, notReached };
}
