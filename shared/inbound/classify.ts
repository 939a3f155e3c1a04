/**
 * What a Chat2Desk event means to the bot. Pure; table-driven tests in test/unit/inbound.
 *
 * - clientMessage     `inbox` (or a legacy body without hook_type but `type: from_client`)
 * - dialogClosed      `close_dialog`, `close_request` (only `close_dialog` — the seed's "Close chat" —
 *                     reaches the agent as the service message; a closed request only ends a takeover)
 * - outbox            a message to the client: our own echo, an autoreply, or a human operator
 * - dialogTransferred the dialog was assigned to an operator
 * - deliveryStatus    `outbox_status`: a messenger's report on a message to the client (a refusal
 *                     of one of ours is logged and counted; anything else is skipped as
 *                     `OutboxStatus` or `NotOurMessage`)
 * - operatorStatus    an operator's status changed (`operator_status_updated`); only the channel's
 *                     bot operator matters (a WARN line when it is offline), others are skipped
 *                     as `OperatorStatus`
 * - skipped           anything else, with the reason (logged + metric `Skipped_<reason>`): every
 *                     hook type Chat2Desk is known to send has a reason of its own (`SKIPPED_HOOKS`),
 *                     an unknown one is `UnsupportedEvent`. None of them reaches the agent, and
 *                     none counts as a human taking over (an `imported_message` or a `comment` is
 *                     not an operator writing to the client).
 */
import type { WebhookEvent } from './webhook-event';

export type EventClass =
  | { kind: 'clientMessage' }
  | { kind: 'dialogClosed'; serviceMessage: boolean }
  | { kind: 'outbox' }
  | { kind: 'dialogTransferred' }
  | { kind: 'ratingRequest' }
  | { kind: 'deliveryStatus' }
  | { kind: 'operatorStatus' }
  | { kind: 'skipped'; reason: SkipReason };

export type SkipReason =
  | 'UnsupportedEvent'
  | 'NotFromClient'
  | 'NoClient'
  | 'NoMessageId'
  | 'ConversationNotFound'
  | 'ChannelNotFound'
  | 'ChannelInactive'
  | 'OldGeneration'
  | 'NotAssignedToBot'
  | 'AssignedToOperator'
  | 'WithHuman'
  | 'ServiceMessagesOff'
  | 'RequestClosed'
  | 'OwnEcho'
  | 'NotAHuman'
  | 'HumanMarked'
  | 'HumanCleared'
  | 'RatingSurvey'
  | 'NewRequest'
  | 'OutboxStatus'
  | 'NotOurMessage'
  | 'OperatorStatus'
  | SkippedHookReason;

/**
 * Hook types that never reach the agent, by name (reference §3, §8, §9 row 15). A `new_request` of
 * type `rating` (the satisfaction survey) is read for its request id; any other `new_request` is
 * skipped as `NewRequest`.
 */
export const SKIPPED_HOOKS = {
  new_client: 'NewClient',
  add_tag_to_request: 'TagChanged',
  delete_tag_from_request: 'TagChanged',
  client_updated: 'ClientUpdated',
  client_added_to_blacklist: 'ClientBlacklisted',
  comment: 'Comment',
  system_message: 'SystemMessage',
  imported_message: 'ImportedMessage',
  new_qr_code: 'QrCode',
  new_ticket: 'Ticket',
  ticket_updated: 'Ticket',
  ticket_deleted: 'Ticket',
} as const;

export type SkippedHookReason = (typeof SKIPPED_HOOKS)[keyof typeof SKIPPED_HOOKS];

function skippedHook(hookType: string): SkippedHookReason | undefined {
  return Object.hasOwn(SKIPPED_HOOKS, hookType)
    ? SKIPPED_HOOKS[hookType as keyof typeof SKIPPED_HOOKS]
    : undefined;
}

export function classifyEvent(event: WebhookEvent): EventClass {
  switch (event.hook_type) {
    case 'inbox':
      // An inbox that is not from the client (Chat2Desk only sends from_client here) is not for the bot.
      return event.type === undefined || event.type === 'from_client'
        ? { kind: 'clientMessage' }
        : { kind: 'skipped', reason: 'NotFromClient' };
    case 'close_dialog':
      return { kind: 'dialogClosed', serviceMessage: true };
    case 'close_request':
      // Chat2Desk may report one closure both ways: one service message per closure, not two.
      return { kind: 'dialogClosed', serviceMessage: false };
    case 'outbox':
      return { kind: 'outbox' };
    case 'dialog_transferred':
      return { kind: 'dialogTransferred' };
    case 'outbox_status':
      return { kind: 'deliveryStatus' };
    case 'operator_status_updated':
      return { kind: 'operatorStatus' };
    case 'new_request':
      // The survey after a human closed the chat (reference §9 rows 1–2): its messages are ratings.
      return event.type === 'rating' ? { kind: 'ratingRequest' } : { kind: 'skipped', reason: 'NewRequest' };
    case undefined:
    case '':
      return event.type === 'from_client'
        ? { kind: 'clientMessage' }
        : { kind: 'skipped', reason: 'UnsupportedEvent' };
    default:
      return { kind: 'skipped', reason: skippedHook(event.hook_type) ?? 'UnsupportedEvent' };
  }
}

/** Outbox message types a human operator writes; autoreplies and system lines are not a takeover. */
export function isOperatorWrittenOutbox(event: WebhookEvent): boolean {
  return event.type === undefined || event.type === 'to_client';
}
