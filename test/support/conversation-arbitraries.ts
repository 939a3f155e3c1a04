/** fast-check arbitraries of conversation events, for the property tests of the model and the store. */
import fc from 'fast-check';
import type { Transition } from '../../shared/conversations/conversation';

export const T0 = Date.parse('2026-11-30T12:00:00Z');

export const transitionArb: fc.Arbitrary<Transition> = fc.oneof(
  fc.record({
    to: fc.constant('human' as const),
    reason: fc.constantFrom('operatorMessage', 'transferred', 'groupTransfer', 'botTransfer') as fc.Arbitrary<
      'operatorMessage' | 'transferred' | 'groupTransfer' | 'botTransfer'
    >,
    // A narrow range of times, so that ties within one millisecond happen often.
    atMs: fc.integer({ min: T0, max: T0 + 20 }),
  }),
  fc.record({
    to: fc.constant('bot' as const),
    reason: fc.constant('transferredToBot' as const),
    atMs: fc.integer({ min: T0, max: T0 + 20 }),
  }),
  fc.record({
    to: fc.constant('closed' as const),
    reason: fc.constantFrom('requestClosed', 'dialogClosed') as fc.Arbitrary<
      'requestClosed' | 'dialogClosed'
    >,
    atMs: fc.integer({ min: T0, max: T0 + 20 }),
  }),
);
