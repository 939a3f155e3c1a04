/**
 * The one clock of a conversation: when Chat2Desk says an event happened (`event_time`), bounded
 * by when we received it (DESIGN §3 inv. 13: a stamp from the future cannot mute the bot).
 *
 * Transitions land in event-time order, so a stamp far ahead would win against every real event
 * until that time: a takeover stamped a year ahead would mute the bot for a year, a close stamped
 * ahead would ignore every takeover. A stamp more than MAX_FUTURE_SKEW_MS after the receive time
 * is clamped to the receive time; a smaller lead (clock skew between Chat2Desk's servers and ours)
 * is kept as it is, so real events keep Chat2Desk's order.
 */

/** How far `event_time` may lead the time the webhook was received (clock skew allowed). */
export const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;

export interface EventTime {
  atMs: number;
  /** The event's own stamp was too far ahead and was replaced by the receive time. */
  clamped: boolean;
}

/**
 * `receivedAt`: the webhook's receive time from the queued envelope (ISO); `sentAtMs`: the SQS
 * record's SentTimestamp, used when the envelope's time cannot be read; `now` when neither.
 */
export function eventTime(
  eventTimeText: string | undefined,
  receivedAt: string | undefined,
  sentAtMs: number | undefined,
  now: () => number = Date.now,
): EventTime {
  const received = firstFinite(parseTime(receivedAt), sentAtMs) ?? now();
  const stamped = parseTime(eventTimeText);
  if (stamped === undefined) return { atMs: received, clamped: false };
  if (stamped > received + MAX_FUTURE_SKEW_MS) return { atMs: received, clamped: true };
  return { atMs: stamped, clamped: false };
}

function parseTime(text: string | undefined): number | undefined {
  const ms = text ? Date.parse(text) : Number.NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

function firstFinite(...values: Array<number | undefined>): number | undefined {
  return values.find((v) => v !== undefined && Number.isFinite(v));
}
