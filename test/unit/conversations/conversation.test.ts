/**
 * The conversation model's pure transitions. Property: whatever order one dialog's events are
 * handled in, the dialog ends in the state of its latest event by Chat2Desk's event time (ties in
 * one millisecond broken by the fixed rank).
 */
import fc from 'fast-check';
import {
  applyTransition,
  botMayAnswer,
  type ConversationStatus,
  lands,
  MAX_HUMAN_MS,
  statusOf,
  TRANSITION_RANK,
  type Transition,
  transferTransition,
} from '../../../shared/conversations/conversation';
import { T0, transitionArb } from '../../support/conversation-arbitraries';

/** The specification, written apart from the fold: the latest event by (event time, rank). */
function latest(events: Transition[]): ConversationStatus | undefined {
  let best: Transition | undefined;
  for (const e of events) {
    if (
      !best ||
      e.atMs > best.atMs ||
      (e.atMs === best.atMs && TRANSITION_RANK[e.reason] > TRANSITION_RANK[best.reason])
    ) {
      best = e;
    }
  }
  return best && statusOf(best);
}

const fold = (events: Transition[]) =>
  events.reduce<ConversationStatus | undefined>((status, e) => applyTransition(status, e), undefined);

describe('conversation transitions', () => {
  test('any interleaving of one dialog’s events ends in the state of the latest by event time', () => {
    fc.assert(
      fc.property(
        fc
          .array(transitionArb, { minLength: 1, maxLength: 12 })
          .chain((events) =>
            fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length })),
          ),
        ([events, interleaving]) => {
          const expected = latest(events);
          expect(fold(interleaving)).toEqual(expected);
          expect(fold(events)).toEqual(expected);
          expect(fold([...events].reverse())).toEqual(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('handling the same event twice changes nothing (Chat2Desk retries, SQS redeliveries)', () => {
    fc.assert(
      fc.property(fc.array(transitionArb, { minLength: 1, maxLength: 8 }), fc.nat(), (events, pick) => {
        const again = events[pick % events.length]!;
        expect(fold([...events, again])).toEqual(fold(events));
      }),
    );
  });

  test('an older takeover never re-mutes a closed dialog, an older close never unmutes a taken one', () => {
    const closed = statusOf({ to: 'closed', reason: 'dialogClosed', atMs: T0 + 10 });
    expect(lands(closed, { to: 'human', reason: 'operatorMessage', atMs: T0 + 9 })).toBe(false);
    expect(applyTransition(closed, { to: 'human', reason: 'transferred', atMs: T0 + 9 })).toBe(closed);
    const taken = statusOf({ to: 'human', reason: 'transferred', atMs: T0 + 10 });
    expect(applyTransition(taken, { to: 'closed', reason: 'requestClosed', atMs: T0 + 9 })).toBe(taken);
    expect(applyTransition(taken, { to: 'closed', reason: 'requestClosed', atMs: T0 + 11 })?.state).toBe(
      'closed',
    );
  });

  test.each([
    ['a close', { to: 'closed', reason: 'dialogClosed' }, 'closed'],
    ['a request close', { to: 'closed', reason: 'requestClosed' }, 'closed'],
    ['a transfer back to the bot', { to: 'bot', reason: 'transferredToBot' }, 'bot'],
  ] as const)('in the same millisecond %s wins over a takeover', (_name, release, state) => {
    const takeover: Transition = { to: 'human', reason: 'botTransfer', atMs: T0 };
    const other = { ...release, atMs: T0 } as Transition;
    expect(fold([takeover, other])?.state).toBe(state);
    expect(fold([other, takeover])?.state).toBe(state);
  });

  test.each([
    ['bot operator, to the bot operator', '9', '9', 'bot', 'transferredToBot'],
    ['bot operator, to another operator', '9', '5', 'human', 'transferred'],
    ['bot operator, to a group, nobody assigned yet', '9', undefined, 'human', 'groupTransfer'],
    ['general queue, to a group, nobody assigned yet', undefined, undefined, 'human', 'groupTransfer'],
    ['general queue, to an operator', undefined, '5', 'human', 'transferred'],
  ])('transfer (%s) → %s', (_name, botOperator, assignee, to, reason) => {
    expect(transferTransition(botOperator, assignee, T0)).toEqual({ to, reason, atMs: T0 });
  });

  test('the bot answers unless a human has the dialog; a takeover nobody ends expires', () => {
    const human = statusOf({ to: 'human', reason: 'operatorMessage', atMs: T0 });
    expect(botMayAnswer(undefined, T0, MAX_HUMAN_MS)).toBe(true);
    expect(botMayAnswer(statusOf({ to: 'closed', reason: 'dialogClosed', atMs: T0 }), T0, MAX_HUMAN_MS)).toBe(
      true,
    );
    expect(botMayAnswer(human, T0 + 1000, MAX_HUMAN_MS)).toBe(false);
    expect(botMayAnswer(human, T0 + MAX_HUMAN_MS + 1, MAX_HUMAN_MS)).toBe(true);
  });
});
