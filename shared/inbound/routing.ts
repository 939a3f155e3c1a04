/**
 * Routing (DESIGN §4.3, seed "Connecting the Bot as an Operator"). Pure.
 *
 * With the channel's `operatorId` set, the bot handles only events whose `operator_id` equals it;
 * without it, only events of the general queue (no operator assigned).
 */
export type RoutingDecision =
  | { handle: true }
  | { handle: false; reason: 'NotAssignedToBot' | 'AssignedToOperator' };

export function routeByOperator(
  channelOperatorId: string | undefined,
  eventOperatorId: string | undefined,
): RoutingDecision {
  if (channelOperatorId !== undefined) {
    return eventOperatorId === channelOperatorId
      ? { handle: true }
      : { handle: false, reason: 'NotAssignedToBot' };
  }
  return eventOperatorId === undefined ? { handle: true } : { handle: false, reason: 'AssignedToOperator' };
}

/**
 * A closed dialog carries the operator who had it, if any: the operator rule applies then;
 * a close without an operator (request closes, general queue) is delivered.
 */
export function routeDialogClosed(
  channelOperatorId: string | undefined,
  eventOperatorId: string | undefined,
): RoutingDecision {
  if (eventOperatorId === undefined) return { handle: true };
  return routeByOperator(channelOperatorId, eventOperatorId);
}
