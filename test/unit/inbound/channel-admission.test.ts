/** The webhook's per-channel token bucket: burst, steady rate, Retry-After, channels apart. */
import { createChannelAdmission } from '../../../functions/webhook/channel-admission';

function bucket(ratePerSecond: number, burst: number, maxChannels?: number) {
  const clock = { t: 0 };
  const admission = createChannelAdmission({
    ratePerSecond,
    burst,
    now: () => clock.t,
    ...(maxChannels ? { maxChannels } : {}),
  });
  const take = (channelId: string, n: number) =>
    Array.from({ length: n }, () => admission.admit(channelId).admitted).filter(Boolean).length;
  return { clock, admission, take };
}

it('admits the burst at once, then the steady rate', () => {
  const { clock, take } = bucket(5, 20);
  expect(take('a', 30)).toBe(20);
  clock.t += 1000;
  expect(take('a', 30)).toBe(5);
  clock.t += 10_000; // refills up to the burst, not beyond
  expect(take('a', 30)).toBe(20);
});

it('says when to come back: the seconds until one delivery fits, at least 1', () => {
  const { clock, admission, take } = bucket(0.1, 1);
  take('a', 1);
  expect(admission.admit('a')).toEqual({ admitted: false, retryAfterSeconds: 10 });
  clock.t += 9_500;
  expect(admission.admit('a')).toEqual({ admitted: false, retryAfterSeconds: 1 });
  clock.t += 500;
  expect(admission.admit('a')).toEqual({ admitted: true });
});

it('one channel draining its bucket leaves the others whole', () => {
  const { take } = bucket(1, 3);
  expect(take('flood', 100)).toBe(3);
  expect(take('quiet', 3)).toBe(3);
});

it('remembers a bounded number of channels, the least recently seen forgotten first', () => {
  const { take } = bucket(1, 2, 2);
  expect(take('a', 5)).toBe(2);
  take('b', 1);
  take('a', 1); // a is now the most recent
  take('c', 1); // b is forgotten, a is not
  expect(take('a', 1)).toBe(0);
  expect(take('b', 5)).toBe(2);
});
