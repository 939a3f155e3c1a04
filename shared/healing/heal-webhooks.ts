/**
 * Self-healing webhooks. Chat2Desk disables a webhook after 5 h of failed deliveries (and a user
 * may delete it in the Chat2Desk UI); the channel then silently stops receiving messages. Run on a
 * schedule, this checks every active channel's webhook in its account and:
 * - enabled (any status but 'disabled')  → healthy, nothing changes;
 * - disabled                             → re-enabled (PUT with status enable, our URL/name/events);
 * - missing                              → re-registered (idempotent register: by URL, else by name),
 *   only after re-reading the channel: a channel deactivated meanwhile must not get a webhook back.
 * One channel failing never stops the others; each result is logged and counted by the caller.
 */
import type { AccountWebhook, WebhookRegistration, WebhookSpec } from '../adapters/chat2desk/account-client';
import type { Channel } from '../domain/channel';

export type HealOutcome = 'healthy' | 'reEnabled' | 'reRegistered' | 'skipped' | 'failed';

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
}

export interface HealWebhooksDeps {
  /** Every channel whose status is active (may be slightly stale). */
  activeChannels(): Promise<Channel[]>;
  /** A fresh, consistent read: is this channel still active with this generation? */
  isStillActive(channel: Channel): Promise<boolean>;
  accountFor(channel: Channel): WebhookAccountPort;
  /** The webhook the channel should have: its URL (with the current generation) and our name. */
  expectedWebhook(channel: Channel): WebhookSpec;
  /** Channels checked at the same time. */
  concurrency: number;
}

export interface HealReport {
  results: ChannelHealResult[];
  counts: Record<HealOutcome, number>;
}

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
): Promise<ChannelHealResult> {
  const channelId = channel.id;
  try {
    const account = deps.accountFor(channel);
    const expected = deps.expectedWebhook(channel);
    const ours = (await account.listWebhooks()).find((w) => w.url === expected.url);
    if (ours && ours.status !== 'disabled') {
      return { channelId, outcome: 'healthy', webhookId: ours.id, deliveryErrors: ours.errors.length };
    }
    if (!(await deps.isStillActive(channel))) {
      return { channelId, outcome: 'skipped', reason: 'channelNoLongerActive' };
    }
    if (ours) {
      const updated = await account.updateWebhook(ours.id, { ...expected, enabled: true });
      return { channelId, outcome: 'reEnabled', webhookId: updated.id, deliveryErrors: ours.errors.length };
    }
    const registered = await account.registerWebhook(expected);
    return { channelId, outcome: 'reRegistered', webhookId: registered.webhook.id };
  } catch (err) {
    return { channelId, outcome: 'failed', reason: reasonOf(err) };
  }
}

export async function healWebhooks(deps: HealWebhooksDeps): Promise<HealReport> {
  const channels = await deps.activeChannels();
  const results: ChannelHealResult[] = new Array(channels.length);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(deps.concurrency, channels.length)) }, async () => {
    while (next < channels.length) {
      const index = next++;
      results[index] = await healChannelWebhook(deps, channels[index]!);
    }
  });
  await Promise.all(lanes);
  const counts: Record<HealOutcome, number> = {
    healthy: 0,
    reEnabled: 0,
    reRegistered: 0,
    skipped: 0,
    failed: 0,
  };
  for (const r of results) counts[r.outcome] += 1;
  return { results, counts };
}
