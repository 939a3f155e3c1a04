/**
 * The schema of the event the worker posts to the agent (`AgentEvent` in agent-contract.ts), for
 * the published contract (scripts/contracts.ts, docs/contracts/); no function parses its own
 * events, so this module is in no bundle.
 */
import * as z from 'zod/mini';
import '../zod-en';
import { type AgentEvent, CHANNEL_VARIABLE_NAMES } from './agent-contract';

/** The event the worker posts; a schema so the contract can be published (docs/contracts/). */
export const agentEventSchema = z.strictObject({
  eventId: z.string().check(z.minLength(1)),
  channel: z.strictObject({ id: z.string(), type: z.literal('chat2desk') }),
  chatId: z.string().check(z.regex(/^\d{1,20}\|chat2desk$/)),
  clientMessage: z.string(),
  attachments: z.array(
    z.strictObject({
      kind: z.enum(['image', 'video', 'audio', 'pdf', 'file']),
      url: z.string(),
      name: z.optional(z.string()),
      mimeType: z.optional(z.string()),
      size: z.optional(z.int().check(z.nonnegative())),
    }),
  ),
  location: z.optional(z.strictObject({ latitude: z.number(), longitude: z.number() })),
  variables: z.strictObject(
    Object.fromEntries(CHANNEL_VARIABLE_NAMES.map((name) => [name, z.optional(z.string())])) as Record<
      (typeof CHANNEL_VARIABLE_NAMES)[number],
      z.ZodMiniOptional<z.ZodMiniString>
    >,
  ),
});

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const eventTypeAgrees: Same<z.output<typeof agentEventSchema>, AgentEvent> = true;
void eventTypeAgrees;
