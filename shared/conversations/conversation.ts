/**
 * The conversation model (DESIGN §3 inv. 9). Pure: no I/O, no clock.
 *
 * The conversation is the Chat2Desk **dialog** (one per client and messenger channel); a
 * **request** is one episode of it. Its state is one of
 *
 *   bot     nobody but the bot has spoken for the company (the start, and after a transfer back)
 *   human   an operator wrote, the dialog was transferred to an operator or a group, or the bot
 *           handed it over itself (`transfer` reply)
 *   closed  the dialog, or its current request, was closed: the humans are done, the bot answers
 *           the client's next message
 *
 * One clock orders the transitions: Chat2Desk's `event_time` (else the time we received the
 * webhook). A transition lands only when its stamp — event time, then a fixed rank for events of
 * the same millisecond — is at least the stored one, so events handled in any order end in the
 * state of the latest event (property-tested in test/unit/conversations).
 */

export type ConversationState = 'bot' | 'human' | 'closed';

export type HumanReason = 'operatorMessage' | 'transferred' | 'groupTransfer' | 'botTransfer';
export type TransitionReason = HumanReason | 'transferredToBot' | 'requestClosed' | 'dialogClosed';

export type Transition =
  | { to: 'human'; reason: HumanReason; atMs: number }
  | { to: 'bot'; reason: 'transferredToBot'; atMs: number }
  | { to: 'closed'; reason: 'requestClosed' | 'dialogClosed'; atMs: number };

/** What the store keeps of the last transition that landed. */
export interface ConversationStatus {
  state: ConversationState;
  reason: TransitionReason;
  atMs: number;
  rank: number;
}

/**
 * Ties inside one millisecond are broken by this rank, the same in every process: a release beats
 * a takeover (the bot must not stay silent when the humans are done), a close beats a transfer.
 */
export const TRANSITION_RANK: Record<TransitionReason, number> = {
  operatorMessage: 1,
  transferred: 2,
  groupTransfer: 3,
  botTransfer: 4,
  transferredToBot: 5,
  requestClosed: 6,
  dialogClosed: 7,
};

export function statusOf(transition: Transition): ConversationStatus {
  return {
    state: transition.to,
    reason: transition.reason,
    atMs: transition.atMs,
    rank: TRANSITION_RANK[transition.reason],
  };
}

/** Whether a transition stamped (atMs, rank) may replace the stored status. */
export function lands(
  stored: Pick<ConversationStatus, 'atMs' | 'rank'> | undefined,
  next: Transition,
): boolean {
  if (stored === undefined) return true;
  const rank = TRANSITION_RANK[next.reason];
  return next.atMs > stored.atMs || (next.atMs === stored.atMs && rank >= stored.rank);
}

/** The status after `transition` is handled (unchanged when an equal or newer one is stored). */
export function applyTransition(
  stored: ConversationStatus | undefined,
  transition: Transition,
): ConversationStatus | undefined {
  return lands(stored, transition) ? statusOf(transition) : stored;
}

/**
 * Whether the bot answers the client now. A takeover older than `maxHumanMs` has expired: a dialog
 * nobody closes is given back to the bot after that long, so the bot is never muted forever.
 */
export function botMayAnswer(
  status: ConversationStatus | undefined,
  nowMs: number,
  maxHumanMs: number,
): boolean {
  if (status?.state !== 'human') return true;
  return nowMs - status.atMs > maxHumanMs;
}

/** A dialog nobody closes is given back to the bot after 7 days. */
export const MAX_HUMAN_MS = 7 * 24 * 3600 * 1000;

/**
 * What a transfer means for the bot. To the bot's own operator (operator-bound channel) the dialog
 * comes back to the bot; to anyone else, or to a group with no assignee yet (no operator id), it
 * is with the humans. Without a bot operator no transfer returns the dialog to the bot: only a
 * close does.
 */
export function transferTransition(
  botOperatorId: string | undefined,
  assigneeId: string | undefined,
  atMs: number,
): Transition {
  if (assigneeId === undefined) return { to: 'human', reason: 'groupTransfer', atMs };
  if (botOperatorId !== undefined && assigneeId === botOperatorId) {
    return { to: 'bot', reason: 'transferredToBot', atMs };
  }
  return { to: 'human', reason: 'transferred', atMs };
}
