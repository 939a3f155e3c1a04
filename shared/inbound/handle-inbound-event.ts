/**
 * The worker's use case for one inbound queue record: parse, classify, look up the channel, find
 * the conversation, apply the event to it, route, map, call the agent exactly once, enqueue the
 * replies in order. Everything it touches is a port (`./ports.ts`).
 *
 * Every record ends in exactly one of (DESIGN §3 inv. 2):
 * - answered      the agent's replies are on the outbound queue;
 * - marked        the event moved its conversation (to a human, back to the bot, closed);
 * - skipped       a deliberate no-op, logged with its reason + metric `Skipped_<reason>`;
 * - deliveryFailed a messenger refused one of our replies (`outbox_status`): a WARN line with the
 *                 reply id and the reason + metric `DeliveryFailed`;
 * - noted         the bot operator's status, logged (no write: the line is the record; offline
 *                 is a WARN line + metric `BotOperatorOffline`);
 * - invalid       unparseable, can never succeed: logged + metric `Invalid_<what>`, dropped;
 * - thrown        retryable or permanent: the record fails, SQS redelivers it, and after
 *                 maxReceiveCount it is in the DLQ.
 */
import { buttonOfferOf, chosenButton, openOffer } from '../conversations/button-offer';
import {
  botMayAnswer,
  MAX_HUMAN_MS,
  type Transition,
  transferTransition,
} from '../conversations/conversation';
import { contentDigest, intentMatches } from '../conversations/echoes';
import { CLOSE_PHRASE_SUFFIX, isClosePhrase, returnTextReplyId } from '../conversations/handoff';
import { externalIdOf, isOurExternalId, replyIdOfExternalId } from '../conversations/own-external-id';
import type { Conversation, ConversationRef } from '../conversations/ports';
import {
  type AgentEvent,
  CHANNEL_VARIABLE_NAMES,
  SERVICE_MESSAGE_NO_OPERATORS_ONLINE,
} from '../domain/agent-contract';
import type { Channel } from '../domain/channel';
import {
  type ConnectorEvent,
  type InboundQueueMessage,
  inboundQueueMessageSchema,
} from '../domain/inbound-queue-message';
import type { OutboundQueueMessage, ReplyTarget } from '../domain/queue-messages';
import type { Reply } from '../domain/reply';
import { PermanentError } from '../errors';
import { CUSTOM_METRICS } from '../metric-names';
import { countMetric, logger } from '../observability';
import { classifyEvent, isOperatorWrittenOutbox, type SkipReason } from './classify';
import { deliveryStatusOf } from './delivery-status';
import { eventTime, MAX_FUTURE_SKEW_MS } from './event-time';
import { attachmentsOf, inboundEventId, mapClientMessage, mapDialogClosed } from './map-to-agent-event';
import type { InboundEventDeps } from './ports';
import { routeByOperator, routeDialogClosed } from './routing';
import { operatorStatusEvent, parseWebhookBody, type WebhookEvent } from './webhook-event';

export type { InboundEventDeps } from './ports';

export type InboundOutcome =
  | { outcome: 'answered'; eventId: string; replies: number }
  | { outcome: 'fallback'; eventId: string }
  | { outcome: 'skipped'; reason: SkipReason }
  | { outcome: 'marked'; reason: 'HumanMarked' | 'HumanCleared' }
  | { outcome: 'deliveryFailed'; replyId: string }
  | { outcome: 'noted'; reason: 'BotOperatorOffline' | 'BotOperatorOnline' }
  /** The client said a close phrase of the bot's hand-over: the close of its request is queued. */
  | { outcome: 'closing'; replyId: string }
  | { outcome: 'invalid'; reason: string };

type WithClient = WebhookEvent & { client_id: string };

/** The log lines of the bot operator's status (the local console reads them, infra/local/runtime/connector-state.ts). */
export const BOT_OPERATOR_LINES = {
  offline: 'bot operator offline',
  online: 'bot operator online',
} as const;

/** What the queue says about the record, beside its body. */
export interface InboundRecordInfo {
  /** When the queue accepted the record (SQS SentTimestamp): the receive time if the body lacks it. */
  sentAtMs?: number;
  /** The record was moved back from the dead-letter queue by this move (docs/RUNBOOK.md). */
  redriveId?: string;
}

export function createInboundEventHandler(deps: InboundEventDeps) {
  const now = deps.now ?? Date.now;

  return async function handleInboundRecord(
    body: string,
    info: InboundRecordInfo = {},
  ): Promise<InboundOutcome> {
    let queueJson: unknown;
    try {
      queueJson = JSON.parse(body);
    } catch {
      return invalid('QueueBody', 'queue body is not JSON');
    }
    const queued = inboundQueueMessageSchema.safeParse(queueJson);
    if (!queued.success) return invalid('QueueBody', queued.error.issues[0]?.message ?? 'invalid');
    if (queued.data.connectorEvent)
      return handleConnectorEvent(queued.data, queued.data.connectorEvent, info);
    const { channelId, generation, body: rawBody, receivedAt } = queued.data;
    const parsed = parseWebhookBody(rawBody);
    if (!parsed.ok) return invalid('WebhookBody', parsed.reason, { channelId });
    const event = parsed.event;
    const ids = {
      channelId,
      messageId: event.message_id,
      dialogId: event.dialog_id,
      requestId: event.request_id,
      hookType: event.hook_type,
    };
    // The one clock of the conversation: when Chat2Desk says the event happened, never far
    // past when we received it.
    const stamp = eventTime(event.event_time, receivedAt, info.sentAtMs, now);
    const atMs = stamp.atMs;
    if (stamp.clamped) {
      logger.warn('event_time too far in the future; the receive time is used instead', {
        ...ids,
        maxSkewMs: MAX_FUTURE_SKEW_MS,
      });
      countMetric('EventTimeClamped');
    }

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
      // Moves come after the channel checks below: the channel is there.
      await endHandoff(channel!, conversation, ids);
      return { outcome: 'marked', reason: 'HumanCleared' };
    };

    const classified = classifyEvent(event);
    if (classified.kind === 'skipped') return skip(classified.reason);
    if (classified.kind === 'deliveryStatus') {
      // Read before the channel: a delivered (or unknown) status costs no I/O at all.
      const status = deliveryStatusOf(event);
      if (!status.failed) return skip('OutboxStatus');
      const replyId = await replyOfOwnMessage(channelId, event);
      if (!replyId) return skip('NotOurMessage');
      logger.warn('reply refused by the messenger', {
        ...ids,
        clientId: event.client_id,
        replyId,
        reason: status.reason ?? 'unknown',
      });
      countMetric(CUSTOM_METRICS.deliveryFailed);
      return { outcome: 'deliveryFailed', replyId };
    }

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
      case 'operatorStatus': {
        const status = operatorStatusEvent(event);
        // Another operator's status is the humans' business.
        if (!status || status.operatorId !== channel.operatorId) return skip('OperatorStatus');
        const line = {
          channelId,
          hookType: event.hook_type,
          operatorId: status.operatorId,
          online: status.online,
          ...(status.offlineType ? { offlineType: status.offlineType } : {}),
          since: new Date(atMs).toISOString(),
        };
        if (status.online) {
          logger.info(BOT_OPERATOR_LINES.online, line);
          return { outcome: 'noted', reason: 'BotOperatorOnline' };
        }
        // The bot's operator never logs in: an account may close its chats while it counts as offline.
        logger.warn(BOT_OPERATOR_LINES.offline, line);
        countMetric(CUSTOM_METRICS.botOperatorOffline);
        return { outcome: 'noted', reason: 'BotOperatorOffline' };
      }
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
      case 'ratingRequest': {
        const conversation = await deps.conversations.resolve(channelId, ref);
        if (!conversation) return skip('ConversationNotFound');
        if (!event.request_id) return skip('RatingSurvey');
        await deps.conversations.markRatingRequest(channelId, conversation.dialogId, event.request_id);
        return skip('RatingSurvey');
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
        await endHandoff(channel, conversation, ids);
        // The humans are done: the bot answers the next message. The service message is extra.
        if (!channel.serviceMessages) return skip('ServiceMessagesOff');
        if (!classified.serviceMessage) return skip('RequestClosed');
        const route = routeDialogClosed(channel.operatorId, event.operator_id);
        if (!route.handle) return skip(route.reason);
        const clientId = event.client_id ?? conversation.clientId;
        if (clientId === undefined) return skip('NoClient');
        const withClient: WithClient = { ...event, client_id: clientId, dialog_id: conversation.dialogId };
        const eventId = inboundEventId(channelId, withClient, 'dialogClosed', rawBody);
        return answer(channel, mapDialogClosed(channelId, eventId, withClient), withClient, ids, info);
      }
      case 'clientMessage': {
        if (event.client_id === undefined) return skip('NoClient');
        const route = routeByOperator(channel.operatorId, event.operator_id);
        if (!route.handle) {
          // Another operator's dialog: read only when a human has it, for a close phrase of ours.
          if (event.operator_id === undefined) return skip(route.reason);
          const withHuman = await deps.conversations.find(channelId, ref);
          return (await closeOnPhrase(channel, withHuman, event, ids)) ?? skip(route.reason);
        }
        const conversation = await deps.conversations.resolve(channelId, ref);
        // The client's answer to the satisfaction survey is for the humans' statistics, not for the bot.
        if (event.request_id && event.request_id === conversation?.ratingRequestId)
          return skip('RatingSurvey');
        if (!botMayAnswer(conversation?.status, now(), MAX_HUMAN_MS))
          return (await closeOnPhrase(channel, conversation, event, ids)) ?? skip('WithHuman');
        const withClient = event as WithClient;
        if (!withClient.dialog_id && conversation) withClient.dialog_id = conversation.dialogId;
        const eventId = inboundEventId(channelId, event, 'message', rawBody);
        const onUnknownAttachment = (keys: string[]) => {
          logger.warn('attachment of an unknown shape left out', { ...ids, keys });
          countMetric('Skipped_UnknownAttachment');
        };
        const agentEvent = mapClientMessage(channelId, eventId, withClient, onUnknownAttachment);
        // A number or label typed back to a numbered list is that button pressed.
        const offer = openOffer(conversation?.buttonOffer, conversation?.status);
        const chosen = chosenButton(agentEvent.clientMessage, offer);
        if (chosen !== undefined) agentEvent.clientMessage = chosen;
        return answer(channel, agentEvent, withClient, ids, info, { conversation, atMs });
      }
    }
  };

  /**
   * An event the connector raised itself (`c2d: no operators online`): the channel must still be
   * the one that queued it; the agent is called once for it and its replies go to the same client.
   */
  async function handleConnectorEvent(
    queued: InboundQueueMessage,
    connectorEvent: ConnectorEvent,
    info: InboundRecordInfo,
  ): Promise<InboundOutcome> {
    const { channelId, generation } = queued;
    const ids = { channelId, replyId: connectorEvent.replyId, hookType: connectorEvent.kind };
    const skipped = (reason: SkipReason): InboundOutcome => {
      logger.info('connector event skipped', { ...ids, reason });
      countMetric(`Skipped_${reason}`);
      return { outcome: 'skipped', reason };
    };
    const channel = await deps.channels.get(channelId, { generation });
    if (!channel) return skipped('ChannelNotFound');
    if (channel.status !== 'active') return skipped('ChannelInactive');
    if (generation < channel.generation) return skipped('OldGeneration');
    const { target } = connectorEvent;
    const event = { client_id: target.clientId, hook_type: 'connector' } as WithClient;
    if (target.transport) event.transport = target.transport;
    if (target.c2dChannelId) event.channel_id = target.c2dChannelId;
    if (target.dialogId) event.dialog_id = target.dialogId;
    if (target.requestId) event.request_id = target.requestId;
    return answer(channel, noOperatorsOnlineEvent(channelId, connectorEvent), event, ids, info);
  }

  /**
   * The client said a close phrase of the bot's hand-over while the humans have the dialog: the
   * reply function closes the client's request (the close events then give the dialog back).
   * Undefined when the message is no close phrase.
   */
  async function closeOnPhrase(
    channel: Channel,
    conversation: Conversation | undefined,
    event: WebhookEvent,
    ids: Record<string, unknown>,
  ): Promise<InboundOutcome | undefined> {
    if (conversation?.status?.state !== 'human' || !isClosePhrase(conversation.handoff, event.text))
      return undefined;
    if (event.client_id === undefined) return undefined;
    const withClient = event as WithClient;
    const eventId = inboundEventId(channel.id, event, 'message', JSON.stringify(event));
    const message = outboundMessage(
      channel,
      eventId,
      CLOSE_PHRASE_SUFFIX.slice(1),
      0,
      replyTarget(withClient),
      {
        type: 'close',
      },
    );
    await deps.outbound.enqueue([message]);
    logger.info('close phrase: the request is closed', { ...ids, dialogId: conversation.dialogId });
    countMetric('ClosePhrase');
    return { outcome: 'closing', replyId: message.replyId };
  }

  /**
   * The dialog is the bot's again: the hand-over's return text is queued (its reply id is the
   * hand-over's, so the several events of one return say it once), then its options go.
   */
  async function endHandoff(
    channel: Channel,
    conversation: Conversation,
    ids: Record<string, unknown>,
  ): Promise<void> {
    const handoff = conversation.handoff;
    if (!handoff) return;
    const clientId = conversation.clientId;
    if (handoff.returnText && clientId) {
      const target: ReplyTarget = { clientId, dialogId: conversation.dialogId };
      const replyId = returnTextReplyId(handoff);
      await deps.outbound.enqueue([
        {
          ...outboundMessage(channel, replyId, 'text', 0, target, { type: 'text', text: handoff.returnText }),
          replyId,
        },
      ]);
      logger.info('hand-over ended: return text queued', {
        ...ids,
        dialogId: conversation.dialogId,
        replyId,
      });
    }
    await deps.conversations.endHandoff(channel.id, conversation.dialogId, handoff.id);
  }

  /** Our own send, by the external id we gave it (no I/O) or the message id recorded after it. */
  async function isRecordedEcho(channelId: string, event: WebhookEvent): Promise<boolean> {
    if (isOurExternalId(deps.externalIdKey, channelId, externalIdOf(event))) return true;
    return event.message_id !== undefined && deps.ownMessages.isOwnMessage(channelId, event.message_id);
  }

  /** The reply a message of ours belongs to: by the external id we gave it, else by its message id. */
  async function replyOfOwnMessage(channelId: string, event: WebhookEvent): Promise<string | undefined> {
    const fromExternalId = replyIdOfExternalId(deps.externalIdKey, channelId, externalIdOf(event));
    if (fromExternalId) return fromExternalId;
    return event.message_id === undefined
      ? undefined
      : deps.ownMessages.replyOfOwnMessage(channelId, event.message_id);
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
    info: InboundRecordInfo,
    // The conversation whose numbered list this answer may open or end (a client's message only).
    offerOn?: { conversation: Conversation | undefined; atMs: number },
  ): Promise<InboundOutcome> {
    const target = replyTarget(event);
    let replies: Reply[];
    try {
      const options = info.redriveId ? { redriveId: info.redriveId } : undefined;
      replies = (await deps.agent.call(channel.agentId, agentEvent, options)).replies;
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
    if (offerOn)
      await keepButtonOffer(channel.id, offerOn.conversation, replies, target.transport, offerOn.atMs);
    await deps.outbound.enqueue(
      replies.map((reply, index) =>
        withOfflineVariables(
          outboundMessage(channel, agentEvent.eventId, String(index), index, target, reply),
          agentEvent,
        ),
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

  /**
   * The numbered list this answer leaves open, kept before the replies are queued (the client cannot
   * answer it sooner). A write only when a list is shown or one was kept: the common case costs none.
   */
  async function keepButtonOffer(
    channelId: string,
    conversation: Conversation | undefined,
    replies: Reply[],
    transport: string | undefined,
    atMs: number,
  ): Promise<void> {
    if (!conversation) return;
    const offer = buttonOfferOf(replies, transport, atMs);
    if (offer || conversation.buttonOffer)
      await deps.conversations.setButtonOffer(channelId, conversation.dialogId, offer);
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
  if (event.request_id) target.requestId = event.request_id;
  return target;
}

/** A transfer that may stay with the bot carries the event's variables for `c2d: no operators online`. */
function withOfflineVariables(message: OutboundQueueMessage, event: AgentEvent): OutboundQueueMessage {
  if (message.reply.type !== 'transfer' || message.reply.whenOffline !== 'stay') return message;
  const variables = Object.fromEntries(
    Object.entries(event.variables).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  return { ...message, variables };
}

/** The agent event of a transfer that found nobody online: the answered event's variables, a new id. */
export function noOperatorsOnlineEvent(channelId: string, connectorEvent: ConnectorEvent): AgentEvent {
  const variables: AgentEvent['variables'] = {};
  for (const name of CHANNEL_VARIABLE_NAMES) {
    const value = connectorEvent.variables?.[name];
    if (value !== undefined) variables[name] = value;
  }
  return {
    eventId: `${connectorEvent.replyId}:noOperatorsOnline`,
    channel: { id: channelId, type: 'chat2desk' },
    chatId: `${connectorEvent.target.clientId}|chat2desk`,
    clientMessage: SERVICE_MESSAGE_NO_OPERATORS_ONLINE,
    attachments: [],
    variables,
  };
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
