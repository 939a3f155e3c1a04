/**
 * Per-channel admission at the door (DESIGN §3 inv. 12): one channel's flood is answered 429 with
 * `Retry-After` (Chat2Desk retries after ~10 s, ~5 min, ~2 h) and never takes the queue, the
 * stage's throughput or the worker's capacity from the other channels.
 *
 * A token bucket per channel, per process, in memory: no I/O per request. On Lambda one instance
 * serves one request at a time and instances are added with load, so the figure holds per instance;
 * what one channel gets overall is this rate times the instances its deliveries land on
 * (docs/DEPLOY.md, "Admission per channel").
 */

export interface ChannelAdmissionOptions {
  /** Deliveries per second a channel is admitted at, steadily. */
  ratePerSecond: number;
  /** Deliveries a channel may send at once after a quiet spell. */
  burst: number;
  now?: () => number;
  /** Channels remembered; the least recently seen is forgotten first (a full bucket is no loss). */
  maxChannels?: number;
}

export type Admission = { admitted: true } | { admitted: false; retryAfterSeconds: number };

export interface ChannelAdmission {
  /** Takes one delivery from the channel's bucket, or says when to come back. */
  admit(channelId: string): Admission;
}

export function createChannelAdmission(options: ChannelAdmissionOptions): ChannelAdmission {
  const now = options.now ?? Date.now;
  const maxChannels = options.maxChannels ?? 1000;
  const { ratePerSecond: rate, burst } = options;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    admit(channelId) {
      const t = now();
      const previous = buckets.get(channelId);
      const bucket = previous
        ? { tokens: Math.min(burst, previous.tokens + ((t - previous.at) / 1000) * rate), at: t }
        : { tokens: burst, at: t };
      // Re-inserted on every use: the Map's first key is the channel seen least recently.
      buckets.delete(channelId);
      if (buckets.size >= maxChannels) buckets.delete(buckets.keys().next().value as string);
      buckets.set(channelId, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { admitted: true };
      }
      return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / rate)) };
    },
  };
}
