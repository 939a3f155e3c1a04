/**
 * What the channel use cases need from the outside world. Adapters implement these; one
 * composition root (functions/channels/composition.ts) builds them once and injects them.
 */
import type { Channel } from '../domain/channel';

export interface SaveOptions {
  /**
   * A lock left by a channel that no longer holds the token (deleted, inactive, other token):
   * the save may take it over from this owner, on the condition, checked in the same transaction,
   * that this owner is still not an active channel holding the token (else `TokenInUseError`).
   */
  reclaimLockFrom?: string;
  /**
   * Store `signedSince` exactly as in `next` (removed when absent): only for an account change
   * (and its roll-back). Without it a save never touches `signedSince`, which the webhook function
   * sets on the first signed delivery, possibly between this command's read and its write.
   */
  resetSignedSince?: boolean;
}

export interface ChannelRepository {
  /** Strongly consistent read; undefined when there is no such channel. */
  get(channelId: string): Promise<Channel | undefined>;
  listByAgent(agentId: string): Promise<Channel[]>;
  /** Stores a new channel; it must be inactive. */
  create(channel: Channel): Promise<void>;
  /**
   * Replaces `previous` (as read) with `next` in one transaction, with the token lock following
   * the status: the lock of `next.token` is taken when `next` is active, the lock of
   * `previous.token` released when no longer held. Throws `VersionConflictError` when the stored
   * version is not `previous.version`, `NotFoundError` when the channel is gone and
   * `TokenInUseError` when another active channel holds the token.
   */
  save(next: Channel, previous: Channel, options?: SaveOptions): Promise<void>;
  /** Deletes the channel as read (version-checked), releasing its lock if it held one. */
  remove(previous: Channel): Promise<void>;
  /** The id of the channel holding the lock of this token, if any. */
  tokenLockOwner(token: string): Promise<string | undefined>;
}

export type AgentTrainedStatus =
  | { trained: true }
  | { trained: false; reason: 'notTrained' | 'unknownAgent'; message: string };

export interface AgentDirectory {
  /** Throws when the platform cannot be asked right now. */
  trainedStatus(agentId: string): Promise<AgentTrainedStatus>;
}

export interface AccountWebhookRef {
  id: string;
}

/** One Chat2Desk account (API address + token), as much as channel management needs. */
export interface Chat2DeskAccount {
  /** Resolves when the address answers and the token is accepted; throws a Chat2Desk error otherwise. */
  apiInfo(): Promise<unknown>;
  /**
   * The account's operators (activation warns about an `operatorId` not among them, or offline);
   * `online` is absent when the account does not report it.
   */
  listOperators?(): Promise<{ id: string; online?: boolean; offlineType?: string }[]>;
  registerWebhook(spec: { url: string; name: string }): Promise<{ webhook: AccountWebhookRef }>;
  unregisterWebhook(spec: { id?: string; url?: string; name?: string; keepId?: string }): Promise<number>;
}

export interface Chat2DeskAccounts {
  forAccount(apiUrl: string, token: string): Chat2DeskAccount;
}

export type ApiUrlCheck = { ok: true } | { ok: false; reason: string; kind: 'forbidden' | 'unresolvable' };

export interface ApiUrlPolicy {
  check(apiUrl: string): Promise<ApiUrlCheck>;
}

export interface WebhookAddresses {
  /** The URL Chat2Desk posts to for this channel and generation. */
  urlFor(channelId: string, generation: number): string;
  /** Our label of the channel's webhook in the account (finds it again when the URL changed). */
  nameFor(channelId: string): string;
}

export interface ChannelUseCaseDeps {
  channels: ChannelRepository;
  agents: AgentDirectory;
  accounts: Chat2DeskAccounts;
  apiUrlPolicy: ApiUrlPolicy;
  webhooks: WebhookAddresses;
  now: () => Date;
  newId: () => string;
}

/** What mailing (`notify.ts`) needs of a Chat2Desk account. */
export interface AccountInfo {
  companyId?: string;
  companyName?: string;
  /** The company's API mode (`company_mode`, legacy `mode`), e.g. "paid". */
  mode?: string;
  requestsThisMonth?: number;
  /** "write first": the company may message a client who has not written (undefined: not reported). */
  writeFirst?: boolean;
}

export interface AccountClient {
  id: string;
  phone?: string;
}

export interface NewClientSpec {
  phone: string;
  transport: string;
  /** Chat2Desk's channel id (not ours); Chat2Desk picks one when absent. */
  c2dChannelId?: string;
}
