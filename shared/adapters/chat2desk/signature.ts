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
