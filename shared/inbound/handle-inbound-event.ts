/**
 * The worker's use case for one inbound queue record: parse, classify, look up the channel, find
 * the conversation, apply the event to it, route, map, call the agent exactly once, enqueue the
 * replies in order. Everything it touches is a port (`./ports.ts`).
 *
 * Every record ends in exactly one of (DESIGN §3 inv. 2):
 * - answered      the agent's replies are on the outbound queue;
 * - marked        the event moved its conversation (to a human, back to the bot, closed);
 * - skipped       a deliberate no-op, logged with its reason + metric `Skipped_<reason>`;
 * - invalid       unparseable, can never succeed: logged + metric `Invalid_<what>`, dropped;
 * - thrown        retryable or permanent: the record fails, SQS redelivers it, and after
 *                 maxReceiveCount it is in the DLQ.
 */
import {
  botMayAnswer,
  MAX_HUMAN_MS,
  type Transition,
  transferTransition,
} from '../conversations/conversation';
import { contentDigest, intentMatches } from '../conversations/echoes';
import { externalIdOf, isOurExternalId } from '../conversations/own-external-id';
import type { Conversation, ConversationRef } from '../conversations/ports';
import type { AgentEvent } from '../domain/agent-contract';
import type { Channel } from '../domain/channel';
import {
  inboundQueueMessageSchema,
  type OutboundQueueMessage,
  type ReplyTarget,
} from '../domain/queue-messages';
import type { Reply } from '../domain/reply';
import { PermanentError } from '../errors';
import { countMetric, logger } from '../observability';
import { classifyEvent, isOperatorWrittenOutbox, type SkipReason } from './classify';
import { attachmentsOf, inboundEventId, mapClientMessage, mapDialogClosed } from './map-to-agent-event';
import type { InboundEventDeps } from './ports';
import { routeByOperator, routeDialogClosed } from './routing';
import { parseWebhookBody, type WebhookEvent } from './webhook-event';

export type { InboundEventDeps } from './ports';

export type InboundOutcome =
  | { outcome: 'answered'; eventId: string; replies: number }
  | { outcome: 'fallback'; eventId: string }
  | { outcome: 'skipped'; reason: SkipReason }
  | { outcome: 'marked'; reason: 'HumanMarked' | 'HumanCleared' }
  | { outcome: 'invalid'; reason: string };

type WithClient = WebhookEvent & { client_id: string };

export function createInboundEventHandler(deps: InboundEventDeps) {
  const now = deps.now ?? Date.now;

  return async function handleInboundRecord(body: string): Promise<InboundOutcome> {
    let queueJson: unknown;
    try {
      queueJson = JSON.parse(body);
    } catch {
      return invalid('QueueBody', 'queue body is not JSON');
    }
    const queued = inboundQueueMessageSchema.safeParse(queueJson);
    if (!queued.success) return invalid('QueueBody', queued.error.issues[0]?.message ?? 'invalid');
    const { channelId, generation, body: rawBody, receivedAt } = queued.data;
    const parsed = parseWebhookBody(rawBody);
    if (!parsed.ok) return invalid('WebhookBody', parsed.reason, { channelId });
    const event = parsed.event;
    // The one clock of the conversation: when Chat2Desk says the event happened.
    const atMs = eventTime(event.event_time, receivedAt);
    const ids = {
      channelId,
      messageId: event.message_id,
      dialogId: event.dialog_id,
      requestId: event.request_id,
      hookType: event.hook_type,
    };

    const skip = (reason: SkipReason): InboundOutcome => {
      logger.info('inbound event skipped', { ...ids, reason });
      countMetric(`Skipped_${reason}`);
      return { outcome: 'skipped', reason };
    };
    const move = async (conversation: Conversation, transition: Transition): Promise<InboundOutcome> => {
      await deps.conversations.transition(channelId, conversation.dialogId, transition);
      logger.info('conversation moved', {
        ...ids,
        dialogId: conversation.dialogId,
        to: transition.to,
        why: transition.reason,
      });
      if (transition.to === 'human') {
        countMetric('DialogWithHuman');
        return { outcome: 'marked', reason: 'HumanMarked' };
      }
      return { outcome: 'marked', reason: 'HumanCleared' };
    };

    const classified = classifyEvent(event);
    if (classified.kind === 'skipped') return skip(classified.reason);

    const channel = await deps.channels.get(channelId, { generation });
    if (!channel) return skip('ChannelNotFound');
    if (channel.status !== 'active') return skip('ChannelInactive');
    if (generation < channel.generation) return skip('OldGeneration');

    const ref: ConversationRef = {
      dialogId: event.dialog_id,
      requestId: event.request_id,
      clientId: event.client_id,
    };

    switch (classified.kind) {
      case 'outbox': {
        if (await isRecordedEcho(channelId, event)) return skip('OwnEcho');
        // The bot operator's own messages, autoreplies and system lines are not a human taking over.
        if (event.operator_id === undefined || event.operator_id === channel.operatorId)
          return skip('NotAHuman');
        if (!isOperatorWrittenOutbox(event)) return skip('NotAHuman');
        if (await matchesSendIntent(channelId, event, atMs)) return skip('OwnEcho');
        const conversation = await deps.conversations.resolve(channelId, ref);
        if (!conversation) return skip('ConversationNotFound');
        return move(conversation, { to: 'human', reason: 'operatorMessage', atMs });
      }
      case 'dialogTransferred': {
        const conversation = await deps.conversations.resolve(channelId, ref);
        if (!conversation) return skip('ConversationNotFound');
        return move(conversation, transferTransition(channel.operatorId, event.operator_id, atMs));
      }
      case 'dialogClosed': {
        const reason = classified.serviceMessage ? 'dialogClosed' : 'requestClosed';
        let conversation: Conversation | undefined;
        if (reason === 'requestClosed' && !ref.dialogId && !ref.clientId && ref.requestId) {
          // Only the request is named: applied now if its dialog is known, else when it is learned.
          const dialogId = await deps.conversations.closeRequest(channelId, ref.requestId, atMs);
          if (!dialogId) return skip('ConversationNotFound');
          conversation = await deps.conversations.find(channelId, { dialogId });
          if (!conversation) return skip('ConversationNotFound');
        } else {
          conversation = await deps.conversations.resolve(channelId, ref);
          if (!conversation) return skip('ConversationNotFound');
          await deps.conversations.transition(channelId, conversation.dialogId, {
            to: 'closed',
            reason,
            atMs,
          });
        }
        logger.info('conversation closed', { ...ids, dialogId: conversation.dialogId, why: reason });
        // The humans are done: the bot answers the next message. The service message is extra.
        if (!channel.serviceMessages) return skip('ServiceMessagesOff');
        if (!classified.serviceMessage) return skip('RequestClosed');
        const route = routeDialogClosed(channel.operatorId, event.operator_id);
        if (!route.handle) return skip(route.reason);
        const clientId = event.client_id ?? conversation.clientId;
        if (clientId === undefined) return skip('NoClient');
        const withClient: WithClient = { ...event, client_id: clientId, dialog_id: conversation.dialogId };
        const eventId = inboundEventId(channelId, withClient, 'dialogClosed', rawBody);
        return answer(channel, mapDialogClosed(channelId, eventId, withClient), withClient, ids);
      }
      case 'clientMessage': {
        if (event.client_id === undefined) return skip('NoClient');
        const route = routeByOperator(channel.operatorId, event.operator_id);
        if (!route.handle) return skip(route.reason);
        const conversation = await deps.conversations.resolve(channelId, ref);
        if (!botMayAnswer(conversation?.status, now(), MAX_HUMAN_MS)) return skip('WithHuman');
        const withClient = event as WithClient;
        if (!withClient.dialog_id && conversation) withClient.dialog_id = conversation.dialogId;
        const eventId = inboundEventId(channelId, event, 'message', rawBody);
        const onUnknownAttachment = (keys: string[]) => {
          logger.warn('attachment of an unknown shape left out', { ...ids, keys });
          countMetric('Skipped_UnknownAttachment');
        };
        return answer(
          channel,
          mapClientMessage(channelId, eventId, withClient, onUnknownAttachment),
          withClient,
          ids,
        );
      }
    }
  };

  /** Our own send, by the external id we gave it (no I/O) or the message id recorded after it. */
  async function isRecordedEcho(channelId: string, event: WebhookEvent): Promise<boolean> {
    if (isOurExternalId(deps.externalIdKey, channelId, externalIdOf(event))) return true;
    return event.message_id !== undefined && deps.ownMessages.isOwnMessage(channelId, event.message_id);
  }

  /** Our own send, by the intent recorded before it: read only for an outbox that would count as a human. */
  async function matchesSendIntent(channelId: string, event: WebhookEvent, atMs: number): Promise<boolean> {
    if (event.client_id === undefined) return false;
    const digest = contentDigest({ text: event.text, fileUrl: attachmentsOf(event)[0]?.url });
    if (!digest) return false;
    return intentMatches(await deps.ownMessages.findIntent(channelId, event.client_id, digest), atMs);
  }

  async function answer(
    channel: Channel,
    agentEvent: AgentEvent,
    event: WithClient,
    ids: Record<string, unknown>,
  ): Promise<InboundOutcome> {
    const target = replyTarget(event);
    let replies: Reply[];
    try {
      replies = (await deps.agent.call(channel.agentId, agentEvent)).replies;
    } catch (err) {
      if (err instanceof PermanentError && deps.fallbackOperatorGroupId) {
        logger.warn('agent failed permanently; handing the client to the fallback group', {
          ...ids,
          code: err.code,
        });
        countMetric('AgentFallbackTransfer');
        await deps.outbound.enqueue([
          outboundMessage(channel, agentEvent.eventId, 'fallback', 0, target, {
            type: 'transfer',
            groupId: deps.fallbackOperatorGroupId,
          }),
        ]);
        return { outcome: 'fallback', eventId: agentEvent.eventId };
      }
      throw err;
    }
    await deps.outbound.enqueue(
      replies.map((reply, index) =>
        outboundMessage(channel, agentEvent.eventId, String(index), index, target, reply),
      ),
    );
    // The event id only where the line's ids do not already spell it (channel:hook:message).
    const spelled = `${channel.id}:${event.hook_type || 'inbox'}:${event.message_id}`;
    logger.info('inbound event answered', {
      ...ids,
      ...(agentEvent.eventId === spelled ? {} : { eventId: agentEvent.eventId }),
      replies: replies.length,
    });
    countMetric('AgentAnswered');
    return { outcome: 'answered', eventId: agentEvent.eventId, replies: replies.length };
  }
}

function replyTarget(event: WithClient): ReplyTarget {
  const target: ReplyTarget = { clientId: event.client_id };
  if (event.transport) target.transport = event.transport;
  if (event.channel_id) target.c2dChannelId = event.channel_id;
  if (event.dialog_id) target.dialogId = event.dialog_id;
  if (event.message_id && (event.hook_type === 'inbox' || event.hook_type === undefined)) {
    target.lastInboundMessageId = event.message_id;
  }
  return target;
}

function outboundMessage(
  channel: Channel,
  eventId: string,
  suffix: string,
  index: number,
  target: ReplyTarget,
  reply: Reply,
): OutboundQueueMessage {
  const { id: channelId, generation } = channel;
  return { v: 1, replyId: `${eventId}:${suffix}`, eventId, channelId, generation, index, target, reply };
}

function invalid(what: string, reason: string, ids: Record<string, unknown> = {}): InboundOutcome {
  // The reason names a field path and a schema message, never the text of the message.
  logger.warn('inbound record dropped: it can never be processed', { ...ids, what, reason });
  countMetric(`Invalid_${what}`);
  return { outcome: 'invalid', reason };
}

/** Chat2Desk's `event_time` (ISO, UTC), else when the webhook was received, else now. */
function eventTime(eventTimeText: string | undefined, receivedAt: string): number {
  for (const text of [eventTimeText, receivedAt]) {
    const ms = text ? Date.parse(text) : Number.NaN;
    if (Number.isFinite(ms)) return ms;
  }
  return Date.now();
}
