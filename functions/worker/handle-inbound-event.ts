/**
 * The worker's use case for one inbound queue record: parse, classify, look up the channel, route,
 * map, call the agent exactly once, enqueue the replies in order.
 *
 * Every record ends in exactly one of (DESIGN §3 inv. 2):
 * - answered      the agent's replies are on the outbound queue;
 * - skipped       a deliberate no-op, logged with its reason + metric `Skipped_<reason>`;
 * - invalid       unparseable, can never succeed: logged + metric `Invalid_<what>`, dropped;
 * - thrown        retryable or permanent: the record fails, SQS redelivers it, and after
 *                 maxReceiveCount it is in the DLQ (a permanent failure is retried too — see docs).
 */
import type { ChannelReader } from '../../shared/adapters/dynamodb/channel-item';
import type { ConversationStore } from '../../shared/adapters/dynamodb/conversation-store';
import type { OutboundQueue } from '../../shared/adapters/sqs/outbound-queue';
import type { AgentEvent } from '../../shared/domain/agent-contract';
import type { Channel } from '../../shared/domain/channel';
import {
  inboundQueueMessageSchema,
  type OutboundQueueMessage,
  type ReplyTarget,
} from '../../shared/domain/queue-messages';
import type { Reply } from '../../shared/domain/reply';
import { PermanentError } from '../../shared/errors';
import { classifyEvent, isOperatorWrittenOutbox, type SkipReason } from '../../shared/inbound/classify';
import { inboundEventId, mapClientMessage, mapDialogClosed } from '../../shared/inbound/map-to-agent-event';
import { routeByOperator, routeDialogClosed, transferredToBot } from '../../shared/inbound/routing';
import { parseWebhookBody, type WebhookEvent } from '../../shared/inbound/webhook-event';
import { countMetric, logger } from '../../shared/observability';
import type { AgentCallOnce } from './agent-call-once';

export type InboundOutcome =
  | { outcome: 'answered'; eventId: string; replies: number }
  | { outcome: 'fallback'; eventId: string }
  | { outcome: 'skipped'; reason: SkipReason }
  | { outcome: 'marked'; reason: 'HumanMarked' | 'HumanCleared' }
  | { outcome: 'invalid'; reason: string };

export interface InboundEventDeps {
  channels: ChannelReader;
  conversations: ConversationStore;
  agent: AgentCallOnce;
  outbound: OutboundQueue;
  /** When set, a permanent agent failure hands the client to this Chat2Desk operator group. */
  fallbackOperatorGroupId?: string;
}

type WithClient = WebhookEvent & { client_id: string };

export function createInboundEventHandler(deps: InboundEventDeps) {
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
    // When the event happened: orders takeovers and releases that are processed out of order.
    const eventAtMs = eventTime(event.event_time, receivedAt);
    const ids = {
      channelId,
      messageId: event.message_id,
      dialogId: event.dialog_id,
      hookType: event.hook_type,
    };

    const skip = (reason: SkipReason): InboundOutcome => {
      logger.info('inbound event skipped', { ...ids, reason });
      countMetric(`Skipped_${reason}`);
      return { outcome: 'skipped', reason };
    };

    const classified = classifyEvent(event);
    if (classified.kind === 'skipped') return skip(classified.reason);

    const channel = await deps.channels.get(channelId, { generation });
    if (!channel) return skip('ChannelNotFound');
    if (channel.status !== 'active') return skip('ChannelInactive');
    if (generation < channel.generation) return skip('OldGeneration');

    if (event.client_id === undefined) return skip('NoClient');
    const withClient = event as WithClient;
    const clientId = withClient.client_id;

    switch (classified.kind) {
      case 'outbox': {
        if (
          event.message_id !== undefined &&
          (await deps.conversations.isOwnMessage(channelId, event.message_id))
        ) {
          return skip('OwnEcho');
        }
        // The bot operator's own messages, autoreplies and system lines are not a human taking over.
        if (event.operator_id === undefined || event.operator_id === channel.operatorId)
          return skip('NotAHuman');
        if (!isOperatorWrittenOutbox(event)) return skip('NotAHuman');
        await deps.conversations.markWithHuman(channelId, clientId, 'operatorMessage', eventAtMs);
        logger.info('dialog taken over by an operator', ids);
        countMetric('DialogWithHuman');
        return { outcome: 'marked', reason: 'HumanMarked' };
      }
      case 'dialogTransferred': {
        if (transferredToBot(channel.operatorId, event.operator_id)) {
          await deps.conversations.clearWithHuman(channelId, clientId, eventAtMs);
          logger.info('dialog transferred to the bot', ids);
          return { outcome: 'marked', reason: 'HumanCleared' };
        }
        await deps.conversations.markWithHuman(channelId, clientId, 'transferred', eventAtMs);
        logger.info('dialog transferred to an operator', ids);
        countMetric('DialogWithHuman');
        return { outcome: 'marked', reason: 'HumanMarked' };
      }
      case 'dialogClosed': {
        // A closed dialog ends any human takeover: the bot answers the next message again.
        await deps.conversations.clearWithHuman(channelId, clientId, eventAtMs);
        if (!channel.serviceMessages) return skip('ServiceMessagesOff');
        if (!classified.serviceMessage) return skip('RequestClosed');
        const route = routeDialogClosed(channel.operatorId, event.operator_id);
        if (!route.handle) return skip(route.reason);
        const eventId = inboundEventId(channelId, event, 'dialogClosed', rawBody);
        return answer(channel, mapDialogClosed(channelId, eventId, withClient), withClient, ids);
      }
      case 'clientMessage': {
        const route = routeByOperator(channel.operatorId, event.operator_id);
        if (!route.handle) return skip(route.reason);
        if (await deps.conversations.withHuman(channelId, clientId)) return skip('WithHuman');
        const eventId = inboundEventId(channelId, event, 'message', rawBody);
        return answer(channel, mapClientMessage(channelId, eventId, withClient), withClient, ids);
      }
    }
  };

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
    logger.info('inbound event answered', { ...ids, eventId: agentEvent.eventId, replies: replies.length });
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
