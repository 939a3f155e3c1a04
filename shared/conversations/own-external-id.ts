/**
 * The external ids the bot gives its messages: every one starts with our channel id, or `send:`
 * for what the agent writes first, then a random part. Kept free of zod and of the rest of the echo
 * rules: the webhook function uses it too (its bundle stays small).
 */
export function isOurExternalId(channelId: string, externalId: string | undefined): boolean {
  if (!externalId) return false;
  return externalId.startsWith(`${channelId}:`) || externalId.startsWith('send:');
}

/**
 * The reply id inside one of our external ids (`<replyId>`, or `<replyId>#<part>` for a later part
 * of a reply); undefined for an id that is not ours.
 */
export function replyIdOfExternalId(channelId: string, externalId: string | undefined): string | undefined {
  if (!externalId || !isOurExternalId(channelId, externalId)) return undefined;
  return externalId.replace(/#\d+$/, '');
}

/** Where an `outbox` event carries the message's external id: at the top level or in `extra_data`. */
export function externalIdOf(body: Record<string, unknown>): string | undefined {
  const extra = body.extra_data;
  const nested =
    extra && typeof extra === 'object' ? (extra as Record<string, unknown>).external_id : undefined;
  const value = body.external_id ?? nested;
  return typeof value === 'string' ? value : undefined;
}
