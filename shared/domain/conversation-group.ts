/**
 * The FIFO message group of a conversation. Its own module, without schemas: the queue adapters
 * need it, not the queue messages' schemas (queue-messages.ts re-exports it).
 */

/** FIFO message group: one conversation (channel + client), so order holds per client only. */
export function conversationGroupId(channelId: string, clientKey: string): string {
  return `${channelId}:${clientKey}`;
}
