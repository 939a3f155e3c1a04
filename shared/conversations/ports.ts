/**
 * Ports of the conversation model: where dialog state, the links between ids, and the records of
 * the bot's own messages are kept. The DynamoDB adapter is `shared/adapters/dynamodb/conversation-store.ts`.
 */
import type { ButtonOffer } from './button-offer';
import type { ConversationStatus, Transition } from './conversation';
import type { SendIntent } from './echoes';
import type { Handoff } from './handoff';

/** The ids an event carries (normalised strings; absent when Chat2Desk left them out or empty). */
export interface ConversationRef {
  dialogId?: string | undefined;
  requestId?: string | undefined;
  clientId?: string | undefined;
}

export interface Conversation {
  dialogId: string;
  clientId?: string;
  requestId?: string;
  status?: ConversationStatus;
  /** The dialog's satisfaction-survey request (`new_request` of type `rating`), if one was seen. */
  ratingRequestId?: string;
  /** Buttons the bot's last answer showed as a numbered list (`./button-offer.ts`), if any. */
  buttonOffer?: ButtonOffer;
  /** The options of the bot's last hand-over, while the dialog is with the humans (`./handoff.ts`). */
  handoff?: Handoff;
}

export interface ConversationStore {
  /**
   * The conversation an event belongs to, learning the links its ids teach (request → dialog,
   * dialog ↔ client). `undefined` when neither a dialog id nor a known link names it.
   */
  resolve(channelId: string, ref: ConversationRef): Promise<Conversation | undefined>;
  /**
   * The same lookup, read-only. `consistent: false` (half the read cost) where a read a moment
   * old does no harm: it can miss only a change that raced with the reader anyway.
   */
  find(
    channelId: string,
    ref: ConversationRef,
    options?: { consistent?: boolean },
  ): Promise<Conversation | undefined>;
  /**
   * Applies a transition in event-time order: an older one than what is stored changes nothing.
   * `handoff` (the bot's own hand-over only) is written with it in the same request: its options,
   * or `null` to drop those of an earlier hand-over.
   */
  transition(
    channelId: string,
    dialogId: string,
    transition: Transition,
    handoff?: Handoff | null,
  ): Promise<void>;
  /** The hand-over is over (the dialog is the bot's again): its options go, unless a newer one replaced them. */
  endHandoff(channelId: string, dialogId: string, handoffId: string): Promise<void>;
  /**
   * A closed request. When its dialog is known the close is applied at once (the dialog is
   * returned); otherwise it is kept and applied when an event teaches the request's dialog.
   */
  closeRequest(channelId: string, requestId: string, atMs: number): Promise<string | undefined>;
  /** The request is the dialog's satisfaction survey: its messages are the client's rating, not for the bot. */
  markRatingRequest(channelId: string, dialogId: string, requestId: string): Promise<void>;
  /** Keeps the numbered list the bot's answer left open; `undefined` removes the one kept. */
  setButtonOffer(channelId: string, dialogId: string, offer: ButtonOffer | undefined): Promise<void>;
}

export type IntentClaim = { held: false } | { held: true; retryInMs: number };

export interface OwnMessages {
  /** `replyId`: the reply the message is part of, for a later delivery report (`outbox_status`). */
  recordOwnMessage(channelId: string, messageId: string, replyId?: string): Promise<void>;
  isOwnMessage(channelId: string, messageId: string): Promise<boolean>;
  /** The reply recorded with one of our messages; undefined when the message is not ours (or not known). */
  replyOfOwnMessage(channelId: string, messageId: string): Promise<string | undefined>;
  /**
   * Written before the message is sent, so an echo that overtakes the response is still ours. It is
   * also the send's claim: while an intent with the same external id is younger than `holdMs` and
   * not released, another attempt of the same part is in flight (a record delivered twice at once)
   * and `held` says how long to stay away.
   */
  recordIntent(channelId: string, intent: SendIntent, holdMs: number): Promise<IntentClaim>;
  /** The send failed before Chat2Desk took it: a retry of the same part may send at once. */
  releaseIntent(channelId: string, intent: SendIntent): Promise<void>;
  findIntent(channelId: string, clientId: string, digest: string): Promise<SendIntent | undefined>;
}
