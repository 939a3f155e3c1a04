/**
 * The one keyed MAC of the connector: HMAC-SHA256 under a server key (WEBHOOK_SECRET_KEY) of
 * `<purpose>:<part>:<part>…`. The purpose keeps one use's MAC from being valid for another (a
 * webhook URL secret is never an external id). Free of zod and of I/O: the webhook bundle uses it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function keyedMac(key: string, purpose: string, ...parts: Array<string | number>): Buffer {
  return createHmac('sha256', key)
    .update([purpose, ...parts].join(':'))
    .digest();
}

/** `given` (base64url) equals `expected` cut to the same length; constant time in the comparison. */
export function macMatches(given: string, expected: Buffer): boolean {
  const bytes = Buffer.from(given, 'base64url');
  if (bytes.length === 0 || bytes.length > expected.length) return false;
  // One spelling only: base64url that does not round-trip (stray bits) is not the MAC we made.
  if (bytes.toString('base64url') !== given) return false;
  return timingSafeEqual(bytes, expected.subarray(0, bytes.length));
}
