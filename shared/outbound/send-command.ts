/**
 * The `send` management command (DESIGN §4.1): the agent writes first in an existing chat.
 * Validates the chat id (`<client_id>|chat2desk`) and the replies, checks the channel exists and
 * is active, and queues the replies in order on the outbound queue — the reply function delivers
 * them like any other answer (same rendering, rate limit, sent-records).
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import { once } from '../build-once';
import { requestIdSchema } from '../channels/caller-key';
import type { Channel } from '../domain/channel';
import { chatIdSchema } from '../domain/channel-schemas';
import type { OutboundQueueMessage } from '../domain/queue-messages';
import { MAX_REPLIES_PER_EVENT } from '../domain/reply-limits';
import { ChannelInactiveError, type FieldIssue, NotFoundError, ValidationError } from '../errors';
import '../zod-en';
import { AGENT_INITIATED_PREFIX } from './agent-initiated';
import type { OutboundQueue } from './ports';

/** The command as the management function parses it; the chat id and replies are checked here. */

export { AGENT_INITIATED_PREFIX, isAgentInitiated } from './agent-initiated';

/** Built on the first `send` (channel management builds each command's schema on its first use). */
export const sendCommandSchema = once(() =>
  z.strictObject({
    action: z.literal('send'),
    channelId: z.string().check(z.trim(), z.minLength(1), z.maxLength(128)),
    chatId: z.string().check(z.maxLength(64)),
    replies: z.array(z.unknown()).check(z.maxLength(MAX_REPLIES_PER_EVENT)),
    /** The caller's key: the same one on this channel within 24 h queues nothing new (docs/MANAGEMENT.md). */
    requestId: z.optional(requestIdSchema()),
  }),
);
export type SendCommand = z.output<ReturnType<typeof sendCommandSchema>>;

/**
 * The replies of `send` and `notify`. Their schemas (shared/domain/reply.ts) are imported on the
 * first command that carries replies: in the channels bundle they are a chunk of their own, not
 * built at every cold start of channel management (most commands carry no replies). A failed
 * import is not kept: the next command imports again.
 */
function loadAtLeastOneReply() {
  return import('../domain/reply.js').then(({ repliesSchema }) =>
    repliesSchema.check(z.minLength(1, 'at least one reply')),
  );
}
let atLeastOneReply: ReturnType<typeof loadAtLeastOneReply> | undefined;

export async function safeParseReplies(replies: unknown) {
  atLeastOneReply ??= loadAtLeastOneReply().catch((err: unknown) => {
    atLeastOneReply = undefined;
    throw err;
  });
  return (await atLeastOneReply).safeParse(replies);
}

export interface SendResult {
  ok: true;
  queued: number;
  eventId: string;
}

export interface SendCommandDeps {
  channels: { get(channelId: string): Promise<Channel | undefined> };
  outboundQueue: OutboundQueue;
  newId?: () => string;
}

export function issuesOf(error: z.core.$ZodError, prefix: string): FieldIssue[] {
  return error.issues.map((i) => ({ path: [prefix, ...i.path.map(String)].join('.'), message: i.message }));
}

export function createSendCommand(deps: SendCommandDeps) {
  const newId = deps.newId ?? randomUUID;
  return async (input: {
    channelId: string;
    chatId: string;
    replies: unknown;
    /** What else is known of the conversation (notify: the transport and Chat2Desk channel mailed). */
    target?: Pick<OutboundQueueMessage['target'], 'transport' | 'c2dChannelId'>;
    /**
     * The channel generation whose account the chat was found in (notify): a reply never goes
     * through an account changed since. Default: the generation read here.
     */
    generation?: number;
  }): Promise<SendResult> => {
    const issues: FieldIssue[] = [];
    const chat = chatIdSchema().safeParse(input.chatId);
    if (!chat.success) issues.push(...issuesOf(chat.error, 'chatId'));
    const replies = await safeParseReplies(input.replies);
    if (!replies.success) issues.push(...issuesOf(replies.error, 'replies'));
    if (!chat.success || !replies.success) throw new ValidationError('invalid send command', issues);

    const channel = await deps.channels.get(input.channelId);
    if (!channel) throw new NotFoundError(`channel ${input.channelId} not found`);
    if (channel.status !== 'active') {
      throw new ChannelInactiveError(`channel ${input.channelId} is not active: activate it before sending`);
    }

    const eventId = `${AGENT_INITIATED_PREFIX}${newId()}`;
    const messages: OutboundQueueMessage[] = replies.data.map((reply, index) => ({
      v: 1,
      replyId: `${eventId}:${index}`,
      eventId,
      channelId: channel.id,
      generation: input.generation ?? channel.generation,
      index,
      // Only the client is known: Chat2Desk sends on the channel and transport of its last message.
      target: { ...input.target, clientId: chat.data.clientId },
      reply,
    }));
    await deps.outboundQueue.enqueue(messages);
    return { ok: true, queued: messages.length, eventId };
  };
}

export type SendCommandUseCase = ReturnType<typeof createSendCommand>;
