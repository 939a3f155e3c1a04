/**
 * What a Chat2Desk event means to the bot. Pure; table-driven tests in test/unit/inbound.
 *
 * - clientMessage     `inbox` (or a legacy body without hook_type but `type: from_client`)
 * - dialogClosed      `close_dialog`, `close_request`
 * - outbox            a message to the client: our own echo, an autoreply, or a human operator
 * - dialogTransferred the dialog was assigned to an operator
 * - skipped           anything else, with the reason (logged + metric `Skipped_<reason>`)
 */
import type { WebhookEvent } from './webhook-event';

export type EventClass =
  | { kind: 'clientMessage' }
  | { kind: 'dialogClosed' }
  | { kind: 'outbox' }
  | { kind: 'dialogTransferred' }
  | { kind: 'skipped'; reason: SkipReason };

export type SkipReason =
  | 'UnsupportedEvent'
  | 'NotFromClient'
  | 'NoClient'
  | 'NoMessageId'
  | 'ChannelNotFound'
  | 'ChannelInactive'
  | 'OldGeneration'
  | 'NotAssignedToBot'
  | 'AssignedToOperator'
  | 'WithHuman'
  | 'ServiceMessagesOff'
  | 'OwnEcho'
  | 'NotAHuman'
  | 'HumanMarked'
  | 'HumanCleared';

export function classifyEvent(event: WebhookEvent): EventClass {
  switch (event.hook_type) {
    case 'inbox':
      // An inbox that is not from the client (Chat2Desk only sends from_client here) is not for the bot.
      return event.type === undefined || event.type === 'from_client'
        ? { kind: 'clientMessage' }
        : { kind: 'skipped', reason: 'NotFromClient' };
    case 'close_dialog':
    case 'close_request':
      return { kind: 'dialogClosed' };
    case 'outbox':
      return { kind: 'outbox' };
    case 'dialog_transferred':
      return { kind: 'dialogTransferred' };
    case undefined:
    case '':
      return event.type === 'from_client'
        ? { kind: 'clientMessage' }
        : { kind: 'skipped', reason: 'UnsupportedEvent' };
    default:
      return { kind: 'skipped', reason: 'UnsupportedEvent' };
  }
}

/** Outbox message types a human operator writes; autoreplies and system lines are not a takeover. */
export function isOperatorWrittenOutbox(event: WebhookEvent): boolean {
  return event.type === undefined || event.type === 'to_client';
}
