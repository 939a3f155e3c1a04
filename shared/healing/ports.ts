/**
 * What the healer's use case (heal-webhooks.ts) needs from a Chat2Desk account and from the
 * channel table, as ports. Adapters: `shared/adapters/chat2desk/account-client.ts`,
 * `shared/adapters/dynamodb/active-channels.ts`.
 */
import type { Channel } from '../domain/channel';

export interface WebhookDeliveryError {
  text: string;
  at?: string;
}

export interface AccountWebhook {
  id: string;
  name: string;
  url: string;
  events: string[];
  /** 'disabled' after Chat2Desk gave up delivering (5 h of failures) or when switched off. */
  status: 'enabled' | 'disabled' | 'unknown';
  errors: WebhookDeliveryError[];
}

export interface WebhookSpec {
  url: string;
  /** Our label; finds our webhook again after its URL changed (new generation). */
  name: string;
  events?: readonly string[];
}

export interface WebhookRegistration {
  webhook: AccountWebhook;
  outcome: 'created' | 'updated' | 'unchanged';
}

/** An active channel as the healer reads it, with the time of its last failed check, if any. */
export type HealCandidate = Channel & { lastHealFailureAt?: string };

export interface ActiveChannelReads {
  activeChannels(): Promise<HealCandidate[]>;
  isStillActive(channel: Channel): Promise<boolean>;
  recordFailure(channel: Channel, at: Date): Promise<void>;
  clearFailure(channel: Channel): Promise<void>;
}
