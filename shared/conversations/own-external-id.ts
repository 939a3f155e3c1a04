/**
 * The external ids the bot gives its messages, and how an echo proves it is one of them with no
 * I/O: `<reply part>~<mac>`, where the reply part is the reply id (with `#<i>` for the second part
 * on) and mac = the first 12 base64url characters (72 bits) of the keyed MAC (shared/keyed-mac.ts,
 * server key WEBHOOK_SECRET_KEY) of the channel id and the reply part. Only this channel's
 * connector can make one, so an `external_id` that merely looks like ours (`send:…`, written by
 * another integration of the account) is a human's message.
 *
 * Transition: ids made before the MAC (`<channelId>:…`, no `~`) are still taken as ours; a bare
 * `send:` prefix no longer is. Kept free of zod and of the rest of the echo rules: the webhook
 * function uses it too (its bundle stays small).
 */
import { keyedMac, macMatches } from '../keyed-mac';

const PURPOSE = 'chat2desk-external-id:v1';
const MAC_CHARS = 12;
const SIGNED = /^(.+)~([A-Za-z0-9_-]{12})$/;

function macOf(key: string, channelId: string, replyPart: string): Buffer {
  return keyedMac(key, PURPOSE, channelId, replyPart);
}

/** The `external_id` of a message the bot sends for this channel. */
export function ownExternalId(key: string, channelId: string, replyPart: string): string {
  return `${replyPart}~${macOf(key, channelId, replyPart).toString('base64url').slice(0, MAC_CHARS)}`;
}

export function isOurExternalId(key: string, channelId: string, externalId: string | undefined): boolean {
  if (!externalId) return false;
  const signed = SIGNED.exec(externalId);
  if (signed) return macMatches(signed[2]!, macOf(key, channelId, signed[1]!));
  // Made by a version before the MAC: it started with our channel id.
  return externalId.startsWith(`${channelId}:`);
}

/**
 * The id carries this channel's MAC: proof, with no I/O, that this channel's connector made it. The
 * webhook drops such an `outbox` at the door; the ids made before the MAC (a bare channel-id
 * prefix anybody could write) are not proof and still go through the worker.
 */
export function isSignedOwnExternalId(
  key: string,
  channelId: string,
  externalId: string | undefined,
): boolean {
  const signed = externalId === undefined ? null : SIGNED.exec(externalId);
  return signed !== null && macMatches(signed[2]!, macOf(key, channelId, signed[1]!));
}

/**
 * The reply id inside one of our external ids (`<replyId>~<mac>`, or `<replyId>#<part>~<mac>` for a
 * later part of a reply; older ids without the MAC: `<replyId>` or `<replyId>#<part>`); undefined
 * for an id that is not ours.
 */
export function replyIdOfExternalId(
  key: string,
  channelId: string,
  externalId: string | undefined,
): string | undefined {
  if (!externalId || !isOurExternalId(key, channelId, externalId)) return undefined;
  const replyPart = SIGNED.exec(externalId)?.[1] ?? externalId;
  return replyPart.replace(/#\d+$/, '');
}

/** Where an `outbox` event carries the message's external id: at the top level or in `extra_data`. */
export function externalIdOf(body: Record<string, unknown>): string | undefined {
  const extra = body.extra_data;
  const nested =
    extra && typeof extra === 'object' ? (extra as Record<string, unknown>).external_id : undefined;
  const value = body.external_id ?? nested;
  return typeof value === 'string' ? value : undefined;
}
