/**
 * Chat2Desk's webhook signature (reference §3.3): `X-Signature` = hex HMAC-SHA256 whose key is the
 * MD5 of the API token as a HEX STRING and whose message is the raw body followed by the
 * `X-Timestamp` value (Unix seconds). The only place in the sandbox that knows the scheme.
 */
import { createHash, createHmac } from 'node:crypto';

export function chat2deskSignature(
  token: string,
  rawBody: string | Buffer,
  timestamp: string | number,
): string {
  const key = createHash('md5').update(token, 'utf8').digest('hex');
  return createHmac('sha256', key)
    .update(Buffer.isBuffer(rawBody) ? rawBody : Buffer.from(rawBody, 'utf8'))
    .update(String(timestamp), 'utf8')
    .digest('hex');
}
