/**
 * Chat2Desk's webhook signature (reference §3.3), the one place that knows the scheme:
 *   X-Signature = hex(HMAC-SHA256(key = MD5(api token), raw body bytes + X-Timestamp))
 * Whether the key is the MD5 hex string or its raw 16 bytes is undocumented, so both are accepted.
 * The timestamp's age is deliberately not checked: Chat2Desk's 2-hour retry reuses it.
 * No zod here: this file is part of the webhook function's small bundle.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-signature';
export const TIMESTAMP_HEADER = 'x-timestamp';

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

function sign(key: string | Buffer, rawBody: Buffer, timestamp: string): Buffer {
  return createHmac('sha256', key).update(rawBody).update(timestamp, 'utf8').digest();
}

/** True when `signature` is Chat2Desk's signature of this body and timestamp under this token. */
export function verifyChat2DeskSignature(
  token: string,
  rawBody: string | Buffer,
  timestamp: string,
  signature: string,
): boolean {
  const given = signature.trim();
  if (!HEX_SHA256.test(given) || timestamp.length === 0 || timestamp.length > 64) return false;
  const givenBytes = Buffer.from(given, 'hex');
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  const md5 = createHash('md5').update(token, 'utf8').digest();
  const hexKeyMatch = timingSafeEqual(givenBytes, sign(md5.toString('hex'), body, timestamp));
  const rawKeyMatch = timingSafeEqual(givenBytes, sign(md5, body, timestamp));
  return hexKeyMatch || rawKeyMatch;
}
