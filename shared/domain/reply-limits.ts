/** How many replies one event may carry (reply.ts re-exports it; here without the schemas). */
export const MAX_REPLIES_PER_EVENT = 50;
