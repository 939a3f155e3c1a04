import { eventTime, MAX_FUTURE_SKEW_MS } from '../../../shared/inbound/event-time';

const received = Date.parse('2026-03-01T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const never = () => {
  throw new Error('now() must not be read when a receive time is known');
};

describe('eventTime', () => {
  it.each([
    ['in the past', received - 3_600_000, received - 3_600_000, false],
    ['a little ahead (skew)', received + MAX_FUTURE_SKEW_MS, received + MAX_FUTURE_SKEW_MS, false],
    ['just past the skew', received + MAX_FUTURE_SKEW_MS + 1, received, true],
    ['a year ahead', received + 365 * 86_400_000, received, true],
  ])('event_time %s', (_, stamp, atMs, clamped) => {
    expect(eventTime(iso(stamp), iso(received), undefined, never)).toEqual({ atMs, clamped });
  });

  it('no event_time → the receive time; no readable receive time → SentTimestamp, else now', () => {
    expect(eventTime(undefined, iso(received), 5, never)).toEqual({ atMs: received, clamped: false });
    expect(eventTime('not a date', 'nor this', received, never)).toEqual({ atMs: received, clamped: false });
    expect(eventTime(iso(received + 86_400_000), '', received, never)).toEqual({
      atMs: received,
      clamped: true,
    });
    expect(eventTime(undefined, '', Number.NaN, () => 42)).toEqual({ atMs: 42, clamped: false });
  });
});
