/**
 * Chat2Desk's webhook signature (reference §3.3), the one place that knows the scheme:
 *   X-Signature = hex(HMAC-SHA256(key = MD5(api token), raw body bytes + X-Timestamp))
 * Whether the key is the MD5 hex string or its raw 16 bytes is undocumented, so both are accepted.
 * The timestamp is Unix seconds, reused by every retry of a delivery (~10 s, ~5 min, ~2 h later): a
 * signed delivery is accepted while its timestamp is at most SIGNED_MAX_AGE_MS old and at most
 * SIGNED_MAX_SKEW_MS ahead of our clock, so a captured delivery cannot be replayed for ever.
 * No zod here: this file is part of the webhook function's small bundle.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-signature';
export const TIMESTAMP_HEADER = 'x-timestamp';

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

function sign(key: string | Buffer, rawBody: Buffer, timestamp: string): Buffer {
  return createHmac('sha256', key).update(rawBody).update(timestamp, 'utf8').digest();
}

/**
 * True when `signature` is the HMAC of this body and timestamp under exactly this key. The vendor's
 * published test vector is stated with a literal key, so this is the layer it is checked against.
 */
export function verifySignatureWithKey(
  key: string | Buffer,
  rawBody: string | Buffer,
  timestamp: string,
  signature: string,
): boolean {
  const given = signature.trim();
  if (!HEX_SHA256.test(given) || timestamp.length === 0 || timestamp.length > 64) return false;
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  return timingSafeEqual(Buffer.from(given, 'hex'), sign(key, body, timestamp));
}

/** True when `signature` is Chat2Desk's signature of this body and timestamp under this token. */
export function verifyChat2DeskSignature(
  token: string,
  rawBody: string | Buffer,
  timestamp: string,
  signature: string,
): boolean {
  const md5 = createHash('md5').update(token, 'utf8').digest();
  // Both are computed whatever the first answer, so the time taken does not tell which key matched.
  const hexKeyMatch = verifySignatureWithKey(md5.toString('hex'), rawBody, timestamp, signature);
  const rawKeyMatch = verifySignatureWithKey(md5, rawBody, timestamp, signature);
  return hexKeyMatch || rawKeyMatch;
}

/** Chat2Desk's last retry comes ~2 h after the first attempt, with the first timestamp; + 1 h margin. */
export const SIGNED_MAX_AGE_MS = 3 * 3600 * 1000;
/** How far ahead of our clock a timestamp may be: the two clocks' skew, not a delivery's age. */
export const SIGNED_MAX_SKEW_MS = 5 * 60 * 1000;

export type TimestampVerdict = 'inWindow' | 'tooOld' | 'fromTheFuture' | 'unreadable';

/**
 * Whether a signed delivery's `X-Timestamp` is within the accepted window at `nowMs`. Unix seconds
 * as documented; milliseconds (13+ digits) and ISO-8601 are read too, in case an account sends
 * them. A timestamp that cannot be read has no age, so it is refused like a stale one.
 */
export function signedTimestampVerdict(timestamp: string, nowMs: number): TimestampVerdict {
  const value = timestamp.trim();
  let atMs: number;
  if (/^\d{1,16}$/.test(value)) {
    const n = Number(value);
    atMs = value.length >= 13 ? n : n * 1000;
  } else if (/^\d{4}-\d{2}-\d{2}T/.test(value)) {
    atMs = Date.parse(value);
  } else {
    return 'unreadable';
  }
  if (!Number.isFinite(atMs)) return 'unreadable';
  if (atMs < nowMs - SIGNED_MAX_AGE_MS) return 'tooOld';
  if (atMs > nowMs + SIGNED_MAX_SKEW_MS) return 'fromTheFuture';
  return 'inWindow';
}
