/**
 * The agent's info (`GET` of the agent API), read by channel management. Its own module: channel
 * management needs this schema, not the agent events' and answers' (agent-contract.ts re-exports its type).
 */
import * as z from 'zod/mini';
import '../zod-en';

export const agentInfoSchema = z.looseObject({
  id: z.optional(z.union([z.string(), z.number()])),
  trained: z.boolean(),
});
export type AgentInfo = z.infer<typeof agentInfoSchema>;
