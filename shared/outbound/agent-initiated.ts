/**
 * Replies the agent sends first (the `send` command) carry event ids with this prefix; answers to
 * a client message do not. Its own module, without schemas: the reply function reads it on every
 * record and needs nothing else of the `send` command (send-command.ts re-exports it).
 */

/** Event ids of replies the agent sends first (the `send` command), not answers to a client message. */
export const AGENT_INITIATED_PREFIX = 'send:';
export function isAgentInitiated(eventId: string): boolean {
  return eventId.startsWith(AGENT_INITIATED_PREFIX);
}
