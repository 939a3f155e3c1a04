/**
 * The per-channel webhook URL: `{PUBLIC_BASE_URL}/webhooks/chat2desk/{channelId}/{secret}`.
 *
 * `secret` = `<generation>.<mac>` where mac = base64url(HMAC-SHA256(server key, channel id +
 * generation)). The webhook function verifies it with no I/O; the worker later drops events whose
 * generation is older than the channel's (a URL from before a deactivation stops working).
 */
import { keyedMac, macMatches } from './keyed-mac';

export const WEBHOOK_PATH_PREFIX = '/webhooks/chat2desk';

function mac(key: string, channelId: string, generation: number): Buffer {
  return keyedMac(key, 'chat2desk-webhook:v1', channelId, generation);
}

export function webhookSecret(key: string, channelId: string, generation: number): string {
  return `${generation}.${mac(key, channelId, generation).toString('base64url')}`;
}

export function webhookPath(key: string, channelId: string, generation: number): string {
  return `${WEBHOOK_PATH_PREFIX}/${encodeURIComponent(channelId)}/${webhookSecret(key, channelId, generation)}`;
}

export function webhookUrl(
  publicBaseUrl: string,
  key: string,
  channelId: string,
  generation: number,
): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}${webhookPath(key, channelId, generation)}`;
}

const SECRET_PATTERN = /^(\d{1,9})\.([A-Za-z0-9_-]{43})$/;

/**
 * The generation the secret carries when it is genuine for this channel, otherwise undefined.
 * Constant time in the MAC comparison; no I/O.
 */
export function verifyWebhookSecret(key: string, channelId: string, secret: string): number | undefined {
  const match = SECRET_PATTERN.exec(secret);
  if (!match) return undefined;
  const generation = Number(match[1]);
  // One spelling per generation: "01." is not the URL we registered.
  if (String(generation) !== match[1]) return undefined;
  return macMatches(match[2]!, mac(key, channelId, generation)) ? generation : undefined;
}

/** The name our webhook carries in the Chat2Desk account, so it is found again after a URL change. */
export const WEBHOOK_NAME_PREFIX = 'agent-platform:';
export function webhookName(channelId: string): string {
  return `${WEBHOOK_NAME_PREFIX}${channelId}`;
}
