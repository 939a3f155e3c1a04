/**
 * Use case: deliver one outbound message (one agent reply) to its client, exactly once as far as
 * we can tell:
 *   render → last-part record check → for each operation not yet done: send → record.
 *
 * - Never twice: each operation (text part, file, transfer) has its own record, written after it
 *   was done; they are done in order, so a reply whose last operation is recorded is skipped as
 *   delivered, and a redelivery resumes at the first unsent one.
 *   The window between Chat2Desk accepting a message and our record (a crash, a lost response) is
 *   resent with the same `external_id` — at-least-once, see docs/OUTBOUND.md.
 * - Never lost: a failure throws (retryable → SQS redelivers in order; permanent → DLQ).
 * - The outbox echo: before each send the intent (client, content digest, external id) is
 *   recorded, and every message id Chat2Desk returns right after the send returns, so the worker
 *   knows the echo as ours in whichever order it arrives (shared/conversations/echoes.ts).
 */

import { botMayAnswer, MAX_HUMAN_MS } from '../conversations/conversation';
import { contentDigest } from '../conversations/echoes';
import { CLOSE_PHRASE_SUFFIX, RETURN_TEXT_SUFFIX } from '../conversations/handoff';
import { ownExternalId } from '../conversations/own-external-id';
import type { Conversation, ConversationStore, OwnMessages } from '../conversations/ports';
import type { Channel } from '../domain/channel';
import type { OutboundQueueMessage, ReplyTarget } from '../domain/queue-messages';
import { Chat2DeskRetryableError, isChat2DeskError, PermanentError, RetryLaterError } from '../errors';
import { logger } from '../observability';
import { FUNCTION_TIMEOUT_SECONDS } from '../timeouts';
import { type AccountDirectory, createAccountDirectory, resolveTags } from './account-directory';
import { isAgentInitiated } from './agent-initiated';
import {
  EARLIER_SEND_LOOKUP_LIMIT,
  type EarlierSend,
  type EarlierSendQuery,
  findEarlierSend,
} from './earlier-send';
import type {
  ChannelLookup,
  Chat2DeskHandoffCalls,
  Chat2DeskMessagesClient,
  ConnectorEvents,
  MessageAddress,
  PartState,
  ReplyRecords,
  SentReplies,
} from './ports';
import { renderReply } from './render/render-reply';
import type { SendOperation, TransferOperation } from './render/send-operations';

export interface DeliverReplyDeps {
  channels: ChannelLookup;
  sentReplies: SentReplies;
  conversations: ConversationStore;
  ownMessages: OwnMessages;
  /** The Chat2Desk client of a channel's account (rate-limited per token, with retries). */
  messagesClientFor(channel: Channel): Promise<Chat2DeskMessagesClient>;
  /** The server key (WEBHOOK_SECRET_KEY) our external ids are signed with. */
  externalIdKey(): Promise<string>;
  /** FALLBACK_OPERATOR_GROUP_ID: where a transfer naming nobody goes. */
  fallbackOperatorGroupId?: string;
  /** Reads and writes two records in one request each where it can; else they go one by one. */
  replyRecords?: ReplyRecords;
  /** Operators online and the account's tags, kept a short while per account (absent: one per process). */
  accountDirectory?: AccountDirectory;
  /** Where the events the connector raises for the agent go (the inbound queue). */
  connectorEvents?: ConnectorEvents;
}

/** How far our clock may run ahead of Chat2Desk's without a bot transfer outliving the close. */
const BOT_MARK_CLOCK_ALLOWANCE_MS = 60_000;

export type SkipReason =
  | 'channelNotFound'
  | 'channelInactive'
  | 'nothingToSend'
  | 'withHuman'
  /** Queued for an older generation of the channel (its account changed since): never sent through the new one. */
  | 'OldGeneration';

export type DeliveryOutcome =
  | { status: 'delivered'; operations: number; sentNow: number; messageIds: string[] }
  | { status: 'alreadyDelivered' }
  | { status: 'skipped'; reason: SkipReason };

/** The reply part of operation `index`'s `external_id`: the reply id, with `#<index>` from the second part on. */
export function externalIdFor(replyId: string, index: number): string {
  return index === 0 ? replyId : `${replyId}#${index}`;
}

/** How a transfer is carried out, decided from what the reply and the inbound event give us. */
export type TransferPlan =
  | { call: 'transferToOperator'; messageId: string; operatorId: string }
  | { call: 'transferToGroup'; messageId: string; groupId: string }
  | { call: 'assignDialog'; dialogId: string; operatorId: string | null }
  | { call: 'none'; why: string };

export function planTransfer(
  op: TransferOperation,
  target: ReplyTarget,
  fallbackGroupId: string | undefined,
): TransferPlan {
  const messageId = target.lastInboundMessageId;
  const dialogId = target.dialogId;
  if (op.operatorId !== undefined) {
    if (messageId) return { call: 'transferToOperator', messageId, operatorId: op.operatorId };
    if (dialogId) return { call: 'assignDialog', dialogId, operatorId: op.operatorId };
    throw new PermanentError(
      'TRANSFER_NOT_POSSIBLE',
      'transfer to an operator needs an inbound message or a dialog id',
    );
  }
  const groupId = op.groupId ?? fallbackGroupId;
  if (groupId !== undefined) {
    if (messageId) return { call: 'transferToGroup', messageId, groupId };
    throw new PermanentError(
      'TRANSFER_NOT_POSSIBLE',
      'transfer to an operator group needs an inbound message id',
    );
  }
  // Nobody named and no fallback group: the dialog goes to Chat2Desk's general queue.
  if (dialogId) return { call: 'assignDialog', dialogId, operatorId: null };
  return { call: 'none', why: 'the conversation has no dialog yet: it is already in the general queue' };
}

async function carryOut(client: Chat2DeskMessagesClient, plan: TransferPlan): Promise<void> {
  switch (plan.call) {
    case 'transferToOperator':
      return client.transferToOperator(plan.messageId, plan.operatorId);
    case 'transferToGroup':
      return client.transferToGroup(plan.messageId, plan.groupId);
    case 'assignDialog':
      return client.updateDialog(plan.dialogId, { operatorId: plan.operatorId });
    case 'none':
      return;
  }
}

export async function deliverReply(
  deps: DeliverReplyDeps,
  message: OutboundQueueMessage,
): Promise<DeliveryOutcome> {
  const { replyId, target } = message;
  const operations = renderFor(message);
  // Nothing to send: nothing can be sent twice either.
  if (operations.length === 0) return { status: 'skipped', reason: 'nothingToSend' };
  // An agent's answer is held back when a human took the dialog: its conversation is read with the
  // last part's record, in one request, when the dialog is known.
  let conversation: Promise<Conversation | undefined> | undefined;
  let lastPart: PartState;
  if (deps.replyRecords && target.dialogId && !isAgentInitiated(message.eventId)) {
    const start = await deps.replyRecords.startOfDelivery(
      replyId,
      operations.length - 1,
      message.channelId,
      target.dialogId,
    );
    lastPart = start.lastPart;
    conversation = Promise.resolve(start.conversation);
  } else {
    lastPart = await deps.sentReplies.partState(replyId, operations.length - 1);
  }
  if (lastPart.sent) return { status: 'alreadyDelivered' };

  let channel = await deps.channels.get(
    message.channelId,
    message.generation === undefined ? {} : { generation: message.generation },
  );
  // A reply queued for another generation than the one read: the table decides (a cache may be
  // ahead or behind), and a reply of an older generation never goes through the current account.
  // A message without a generation (queued by an older version) is sent as before.
  if (channel && message.generation !== undefined && channel.generation !== message.generation) {
    channel = await deps.channels.get(message.channelId, { fresh: true });
  }
  // A deactivated or deleted channel means the bot was unplugged: its pending replies are dropped.
  if (!channel) return { status: 'skipped', reason: 'channelNotFound' };
  if (channel.status !== 'active') return { status: 'skipped', reason: 'channelInactive' };
  if (isOlderGeneration(message, channel)) return { status: 'skipped', reason: 'OldGeneration' };
  // An answer still on its way when a human took the dialog is dropped: the human speaks now. What
  // the agent sends first (`send`) still goes out — the seed lets the bot write while an operator is
  // in the chat.
  // Read once, and only when needed: for the hold-back and for a transfer's dialog. Eventually
  // consistent: a takeover landing a moment before this read races with the reply either way.
  const conversationOf = () =>
    (conversation ??= deps.conversations.find(
      channel.id,
      { dialogId: target.dialogId, clientId: target.clientId },
      { consistent: false },
    ));
  if (
    !isAgentInitiated(message.eventId) &&
    !isClosePhraseClose(message) &&
    !botMayAnswer((await conversationOf())?.status, Date.now(), MAX_HUMAN_MS)
  ) {
    return { status: 'skipped', reason: 'withHuman' };
  }

  try {
    return await sendOperations(deps, message, channel, operations, lastPart, conversationOf);
  } catch (err) {
    // A permanent refusal (token not accepted, client unknown) may come from an account the cache
    // kept across an account change: the table decides before the failure is final. Parts already
    // sent are not sent again.
    if (!isChat2DeskError(err) || err.kind !== 'permanent') throw err;
    const current = await deps.channels.get(channel.id, { fresh: true });
    if (current?.status !== 'active')
      return { status: 'skipped', reason: current ? 'channelInactive' : 'channelNotFound' };
    if (isOlderGeneration(message, current)) return { status: 'skipped', reason: 'OldGeneration' };
    if (current.token === channel.token && current.apiUrl === channel.apiUrl) throw err;
    return sendOperations(deps, message, current, operations, lastPart, conversationOf);
  }
}

function isOlderGeneration(message: OutboundQueueMessage, channel: Channel): boolean {
  return message.generation !== undefined && message.generation < channel.generation;
}

/**
 * How long a part's claim holds off another attempt: the reply function's timeout. By then the
 * attempt that claimed it has sent and recorded the part, failed (and released it), or died.
 */
export const SEND_CLAIM_HOLD_MS = FUNCTION_TIMEOUT_SECONDS.reply * 1000;
/**
 * Sends of one part that may each have reached Chat2Desk (timed out or dropped after leaving) before
 * the part is counted as sent without another try, when Chat2Desk's latest messages neither show it
 * nor prove it absent: the first send and at most one resend.
 */
export const MAX_UNSURE_SENDS = 2;
/** Sends of a part that Chat2Desk's latest messages prove absent each time, before it is given up. */
export const MAX_SENDS_PROVEN_ABSENT = 5;
/** Messages matched by content alone whose owner is looked up (one read each). */
const MAX_CANDIDATES_CHECKED = 3;
/** The later attempt looks again after at most this (the claimer is usually done in a second). */
const SEND_CLAIM_RECHECK_MS = 15_000;

/**
 * Whether a part whose earlier send ended without an answer is in Chat2Desk: `sent` (with its
 * message id), `absent` (proven not there) or `unknown` (a busy account's page, a failed look).
 * A message matched by content alone is ruled out when it is known to be another reply's.
 */
async function lookForEarlierSend(
  deps: DeliverReplyDeps,
  channelId: string,
  replyId: string,
  client: Chat2DeskMessagesClient,
  query: EarlierSendQuery,
): Promise<{ kind: 'sent'; messageId: string } | { kind: 'absent' } | { kind: 'unknown' }> {
  let earlier: EarlierSend;
  try {
    earlier = findEarlierSend(await client.latestMessages(query.clientId, EARLIER_SEND_LOOKUP_LIMIT), query);
  } catch (err) {
    logger.warn('could not look for an earlier send of a part', {
      channelId,
      replyId,
      error: isChat2DeskError(err) ? err.failure : err instanceof Error ? err.name : 'unknown',
    });
    return { kind: 'unknown' };
  }
  switch (earlier.kind) {
    case 'found':
      return { kind: 'sent', messageId: earlier.message.messageId };
    case 'candidates': {
      for (const candidate of earlier.messages.slice(0, MAX_CANDIDATES_CHECKED)) {
        const owner = await deps.ownMessages.replyOfOwnMessage(channelId, candidate.messageId);
        if (owner === undefined || owner === replyId) return { kind: 'sent', messageId: candidate.messageId };
      }
      return earlier.covered && earlier.messages.length <= MAX_CANDIDATES_CHECKED
        ? { kind: 'absent' }
        : { kind: 'unknown' };
    }
    default:
      return earlier;
  }
}

async function sendOperations(
  deps: DeliverReplyDeps,
  message: OutboundQueueMessage,
  channel: Channel,
  operations: ReturnType<typeof renderReply>,
  lastPart: PartState,
  conversationOf: () => Promise<Conversation | undefined>,
): Promise<DeliveryOutcome> {
  const { replyId, target } = message;
  const client = await deps.messagesClientFor(channel);
  const address: MessageAddress = { clientId: target.clientId };
  if (channel.operatorId !== undefined) address.operatorId = channel.operatorId;
  if (target.c2dChannelId !== undefined) address.c2dChannelId = target.c2dChannelId;
  if (target.transport !== undefined) address.transport = target.transport;

  let sentNow = 0;
  const messageIds: string[] = [];
  const last = operations.length - 1;
  for (const [index, op] of operations.entries()) {
    // The last part was read above (not sent); a FIFO group keeps the reply in one invocation.
    const part = index === last ? lastPart : await deps.sentReplies.partState(replyId, index);
    if (part.sent) {
      if (part.sent.messageId) messageIds.push(part.sent.messageId);
      continue;
    }
    if (
      'onlyWhen' in op &&
      op.onlyWhen !== undefined &&
      (await handoverDecision(deps, replyId)) !== op.onlyWhen
    ) {
      // Not this way: the online check before it decided the other (recorded, so never done later).
      await deps.sentReplies.recordPart(replyId, index);
      sentNow += 1;
      continue;
    }
    if (op.kind === 'message') {
      // Signed for this channel, so its echo proves it is ours (shared/conversations/own-external-id.ts).
      const externalId = ownExternalId(await deps.externalIdKey(), channel.id, externalIdFor(replyId, index));
      // Recorded before the call: Chat2Desk may deliver the echo before it answers.
      const digest = contentDigest({ text: op.text, fileUrl: op.file?.url });
      const intent = digest ? { clientId: target.clientId, digest, externalId, atMs: Date.now() } : undefined;
      if (part.unsureSends > 0) {
        // An earlier send may have reached Chat2Desk: look before sending it again.
        const earlier = await lookForEarlierSend(deps, channel.id, replyId, client, {
          clientId: target.clientId,
          externalId,
          digest,
          firstUnsureAtMs: part.firstUnsureAtMs,
          afterMessageId: target.lastInboundMessageId,
        });
        const line = { channelId: channel.id, replyId, part: index, unsureSends: part.unsureSends };
        let countAsSent = false;
        if (earlier.kind === 'sent') {
          logger.info('part found in Chat2Desk: not sent again', { ...line, messageId: earlier.messageId });
          await deps.ownMessages.recordOwnMessage(channel.id, earlier.messageId, replyId);
          messageIds.push(earlier.messageId);
          await deps.sentReplies.recordPart(replyId, index, earlier.messageId);
          sentNow += 1;
          continue;
        }
        if (earlier.kind === 'unknown' && part.unsureSends >= MAX_UNSURE_SENDS) {
          // Sent that often without an answer, and not proven absent: never a third copy.
          logger.warn('part counted as sent: its sends timed out after leaving', line);
          countAsSent = true;
        } else if (part.unsureSends >= MAX_SENDS_PROVEN_ABSENT) {
          logger.error('part given up: Chat2Desk never took it and never answered', line);
          countAsSent = true;
        }
        if (countAsSent) {
          await deps.sentReplies.recordPart(replyId, index);
          sentNow += 1;
          continue;
        }
      }
      if (intent) {
        // The intent is also the part's claim: the same record handled twice at once (its
        // visibility ran out mid-send) must not send twice; the later attempt comes back after.
        const claim = await deps.ownMessages.recordIntent(channel.id, intent, SEND_CLAIM_HOLD_MS);
        if (claim.held) {
          throw new RetryLaterError(
            'SEND_IN_PROGRESS',
            `part ${index} of reply ${replyId} is being sent by another attempt`,
            Math.min(claim.retryInMs, SEND_CLAIM_RECHECK_MS),
          );
        }
      }
      let sent: Awaited<ReturnType<typeof client.sendMessage>>;
      try {
        sent = await client.sendMessage(address, op, externalId);
      } catch (err) {
        // Chat2Desk may have the message (timed out or dropped after it left): counted, so it is
        // sent again at most once over all deliveries. If the count cannot be written, the claim
        // stays and holds off another send until it is stale.
        if (err instanceof Chat2DeskRetryableError && err.mayHaveTakenEffect) {
          const counted = await deps.sentReplies.recordUnsureSend(replyId, index).then(
            () => true,
            () => false,
          );
          if (!counted) throw err;
        }
        // The attempt is over: a retry may send at once. A failure to release only delays it
        // until the claim is stale.
        if (intent) await deps.ownMessages.releaseIntent(channel.id, intent).catch(() => undefined);
        throw err;
      }
      if (sent.messageId !== undefined) {
        messageIds.push(sent.messageId);
        if (deps.replyRecords) await deps.replyRecords.recordSent(channel.id, replyId, index, sent.messageId);
        else {
          await deps.ownMessages.recordOwnMessage(channel.id, sent.messageId, replyId);
          await deps.sentReplies.recordPart(replyId, index, sent.messageId);
        }
      } else await deps.sentReplies.recordPart(replyId, index);
    } else if (op.kind !== 'transfer') {
      await carryOutHandoffStep(deps, { message, channel, client, address, index }, op, conversationOf);
      await deps.sentReplies.recordPart(replyId, index);
    } else {
      await carryOut(client, planTransfer(op, target, deps.fallbackOperatorGroupId));
      // From now on the worker leaves this dialog to the humans until Chat2Desk closes it. Without a
      // dialog id yet, Chat2Desk's own dialog_transferred for the new dialog marks it.
      // Stamped a little in the past: a close that Chat2Desk reports a moment later must win even
      // when our clock runs ahead of Chat2Desk's.
      const dialogId = target.dialogId ?? (await conversationOf())?.dialogId;
      if (dialogId) {
        // The hand-over's options go with the same write (none: an earlier hand-over's are dropped).
        await deps.conversations.transition(
          channel.id,
          dialogId,
          { to: 'human', reason: 'botTransfer', atMs: Date.now() - BOT_MARK_CLOCK_ALLOWANCE_MS },
          op.handoff ? { id: replyId, ...op.handoff } : null,
        );
      }
      await deps.sentReplies.recordPart(replyId, index);
    }
    sentNow += 1;
  }
  return { status: 'delivered', operations: operations.length, sentNow, messageIds };
}

/**
 * The operations of a message. A hand-over's return text follows the humans' close: it must not
 * reopen the closed dialog (for the operator who had it), so the client's next message opens a new
 * request in the general queue, the bot's.
 */
function renderFor(message: OutboundQueueMessage): SendOperation[] {
  const operations = renderReply(message.reply, message.target.transport);
  if (!message.replyId.endsWith(RETURN_TEXT_SUFFIX)) return operations;
  return operations.map((op) => (op.kind === 'message' ? { ...op, openDialog: false } : op));
}

/** The close a client's close phrase asked for: done while the humans have the dialog, that is its point. */
function isClosePhraseClose(message: OutboundQueueMessage): boolean {
  return message.reply.type === 'close' && message.replyId.endsWith(CLOSE_PHRASE_SUFFIX);
}

/** One process's directory when the composition gives none (tests, older callers). */
let defaultDirectory: AccountDirectory | undefined;
function processDirectory(): AccountDirectory {
  defaultDirectory ??= createAccountDirectory();
  return defaultDirectory;
}

/** The record of a transfer's online check that found nobody: its reply id with this suffix, part 0. */
const OFFLINE_MARK = '#offline';

/**
 * What the online check of this reply decided: `offline` once its mark is written (before the check
 * itself is recorded), else `online`. Asked only by the operations that depend on it.
 */
async function handoverDecision(deps: DeliverReplyDeps, replyId: string): Promise<'online' | 'offline'> {
  const mark = await deps.sentReplies.partState(`${replyId}${OFFLINE_MARK}`, 0);
  return mark.sent ? 'offline' : 'online';
}

interface StepContext {
  message: OutboundQueueMessage;
  channel: Channel;
  client: Chat2DeskMessagesClient;
  address: MessageAddress;
  index: number;
}

/** Whether a client offers the hand-off calls (every client `createMessagesClient` makes does). */
function hasHandoffCalls<C extends object>(client: C): client is C & Chat2DeskHandoffCalls {
  return typeof (client as Partial<Chat2DeskHandoffCalls>).sendComment === 'function';
}

/** The hand-off operations other than messages and the transfer itself: each one call (or none). */
async function carryOutHandoffStep(
  deps: DeliverReplyDeps,
  ctx: StepContext,
  op: Exclude<SendOperation, { kind: 'message' } | { kind: 'transfer' }>,
  conversationOf: () => Promise<Conversation | undefined>,
): Promise<void> {
  const { message, channel, index } = ctx;
  const { replyId, target } = message;
  const client = ctx.client;
  if (!hasHandoffCalls(client)) {
    throw new PermanentError('HANDOFF_NOT_SUPPORTED', `this Chat2Desk client cannot carry out ${op.kind}`);
  }
  const accountKey = `${channel.id}#${channel.generation}`;
  const directory = deps.accountDirectory ?? processDirectory();
  const ids = { channelId: channel.id, replyId, part: index };
  switch (op.kind) {
    case 'note': {
      const externalId = ownExternalId(await deps.externalIdKey(), channel.id, externalIdFor(replyId, index));
      await client.sendComment(ctx.address, op.text, externalId);
      return;
    }
    case 'onlineCheck': {
      const online = await directory.someoneOnline(accountKey, client, {
        ...(op.operatorId !== undefined
          ? { operatorId: op.operatorId }
          : op.groupId !== undefined
            ? { groupId: op.groupId }
            : deps.fallbackOperatorGroupId !== undefined
              ? { groupId: deps.fallbackOperatorGroupId }
              : {}),
        ...(channel.operatorId !== undefined ? { botOperatorId: channel.operatorId } : {}),
      });
      logger.info('hand-over check', { ...ids, someoneOnline: online });
      // The mark comes first: a redelivery after it never hands over what was decided to stay.
      if (!online) await deps.sentReplies.recordPart(`${replyId}${OFFLINE_MARK}`, 0);
      return;
    }
    case 'offlineEvent': {
      if (!deps.connectorEvents) {
        logger.warn('no operators online, and no queue to tell the agent', ids);
        return;
      }
      await deps.connectorEvents.noOperatorsOnline({
        channelId: channel.id,
        generation: message.generation ?? channel.generation,
        replyId,
        target,
        ...(message.variables ? { variables: message.variables } : {}),
      });
      return;
    }
    case 'close':
      try {
        await client.closeRequest(target.clientId);
      } catch (err) {
        // Chat2Desk refuses to close what is closed already (reference §5.2): the goal is reached.
        if (!isChat2DeskError(err) || err.failure !== 'rejected') throw err;
        logger.info('request already closed', { ...ids, reason: err.message });
      }
      return;
    case 'tags': {
      const assignee =
        op.target === 'client'
          ? { type: 'client' as const, id: target.clientId }
          : { type: 'request' as const, id: target.requestId ?? (await conversationOf())?.requestId };
      if (assignee.id === undefined) {
        logger.warn('tags not assigned: the request is not known', ids);
        return;
      }
      const { ids: tagIds, unknown } = resolveTags(op.tags, await directory.tags(accountKey, client));
      if (unknown.length > 0) logger.warn('unknown tags skipped', { ...ids, unknown: unknown.length });
      if (tagIds.length === 0) return;
      await client.assignTags(tagIds, { type: assignee.type, id: assignee.id });
      return;
    }
    case 'clientCard':
      await client.updateClient(target.clientId, {
        ...(op.name !== undefined ? { name: op.name } : {}),
        ...(op.comment !== undefined ? { comment: op.comment } : {}),
        ...(op.customFields !== undefined ? { customFields: op.customFields } : {}),
      });
      return;
  }
}
