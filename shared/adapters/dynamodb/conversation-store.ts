/**
 * DynamoDB adapter of the conversation ports (`shared/conversations/ports.ts`), on the one table:
 *
 * - `conv#<channel>#<dialogId>`     the conversation: its client, current request, its satisfaction
 *                                   survey's request (`ratingRequestId`), and the last transition
 *                                   that landed (state, reason, atMs, rank); the numbered list the
 *                                   bot's last answer left open (`buttonOffer`), only while one is;
 *                                   the bot's hand-over options (`handoff`), only while it lasts
 * - `req#<channel>#<requestId>`     request → dialog link; a close of a request whose dialog was not
 *                                   known yet (`closedAtMs`), applied when the link is learned
 * - `cli#<channel>#<clientId>`      client → dialog link (an `inbox` may come without a dialog id)
 * - `echo#<channel>#<messageId>`    Chat2Desk message ids of our own sends
 * - `intent#<channel>#<client>#<digest>`  what we are about to send (before the API call)
 *
 * Transitions are conditional updates on the event-time stamp, so they land in event-time order
 * whatever order they are handled in. Links are written only when an event teaches something new:
 * a message in a known dialog and request costs one read.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ButtonOffer, OfferedButton } from '../../conversations/button-offer';
import {
  applyTransition,
  type ConversationState,
  type ConversationStatus,
  TRANSITION_RANK,
  type Transition,
  type TransitionReason,
} from '../../conversations/conversation';
import type { SendIntent } from '../../conversations/echoes';
import { type Handoff, handoffOfItem } from '../../conversations/handoff';
import type {
  Conversation,
  ConversationRef,
  ConversationStore,
  OwnMessages,
} from '../../conversations/ports';
import { isConditionFailure, numberAttribute, storedItemOf } from './condition-failure';
import { keys } from './table-definition';

export interface ConversationStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Lifetime of own-message and intent records (seconds). */
  ownMessageTtlSeconds: number;
  /** Lifetime of conversation items and links after their last write (seconds); at least a takeover's. */
  conversationTtlSeconds?: number;
  now?: () => number;
}

type Item = Record<string, unknown>;

const STATES: ReadonlySet<string> = new Set(['bot', 'human', 'closed']);

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function statusOfItem(item: Item | undefined): ConversationStatus | undefined {
  if (!item || typeof item.state !== 'string' || !STATES.has(item.state)) return undefined;
  if (typeof item.atMs !== 'number' || typeof item.reason !== 'string') return undefined;
  const reason = item.reason as TransitionReason;
  return {
    state: item.state as ConversationState,
    reason,
    atMs: item.atMs,
    rank: typeof item.rank === 'number' ? item.rank : (TRANSITION_RANK[reason] ?? 0),
  };
}

function buttonOfferOfItem(item: Item | undefined): ButtonOffer | undefined {
  const offer = item?.buttonOffer as { atMs?: unknown; buttons?: unknown } | undefined;
  if (!offer || typeof offer.atMs !== 'number' || !Array.isArray(offer.buttons)) return undefined;
  const buttons: OfferedButton[] = [];
  for (const b of offer.buttons as Array<Record<string, unknown>>) {
    if (typeof b?.number !== 'number' || typeof b.label !== 'string') continue;
    buttons.push(
      typeof b.payload === 'string'
        ? { number: b.number, label: b.label, payload: b.payload }
        : { number: b.number, label: b.label },
    );
  }
  return buttons.length > 0 ? { atMs: offer.atMs, buttons } : undefined;
}

export function conversationOf(dialogId: string, item: Item | undefined): Conversation {
  const conversation: Conversation = { dialogId };
  const clientId = text(item?.clientId);
  const requestId = text(item?.requestId);
  const ratingRequestId = text(item?.ratingRequestId);
  const status = statusOfItem(item);
  if (clientId) conversation.clientId = clientId;
  if (requestId) conversation.requestId = requestId;
  if (ratingRequestId) conversation.ratingRequestId = ratingRequestId;
  if (status) conversation.status = status;
  const buttonOffer = buttonOfferOfItem(item);
  if (buttonOffer) conversation.buttonOffer = buttonOffer;
  const handoff = handoffOfItem(item?.handoff);
  if (handoff) conversation.handoff = handoff;
  return conversation;
}

export function createConversationStore(options: ConversationStoreOptions): ConversationStore & OwnMessages {
  const { client, tableName } = options;
  const now = options.now ?? Date.now;
  const conversationTtl = options.conversationTtlSeconds ?? 8 * 24 * 3600;
  const expiry = (seconds: number) => Math.floor(now() / 1000) + seconds;

  const get = async (pk: string, consistent = true): Promise<Item | undefined> => {
    const result = await client.send(
      new GetCommand({ TableName: tableName, Key: { pk }, ConsistentRead: consistent }),
    );
    const item = result.Item;
    // DynamoDB deletes expired items lazily (and DynamoDB Local never): honour the TTL here.
    if (item && typeof item.ttl === 'number' && item.ttl * 1000 < now()) return undefined;
    return item;
  };

  async function transition(
    channelId: string,
    dialogId: string,
    next: Transition,
    handoff?: Handoff | null,
  ): Promise<void> {
    const sets = 'SET #state = :state, #reason = :reason, atMs = :at, #rank = :rank, #ttl = :ttl';
    try {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: keys.conversation(channelId, dialogId) },
          UpdateExpression:
            handoff === undefined
              ? sets
              : handoff === null
                ? `${sets} REMOVE handoff`
                : `${sets}, handoff = :handoff`,
          ConditionExpression: 'attribute_not_exists(atMs) OR atMs < :at OR (atMs = :at AND #rank <= :rank)',
          ExpressionAttributeNames: {
            '#state': 'state',
            '#reason': 'reason',
            '#rank': 'rank',
            '#ttl': 'ttl',
          },
          ExpressionAttributeValues: {
            ':state': next.to,
            ':reason': next.reason,
            ':at': next.atMs,
            ':rank': TRANSITION_RANK[next.reason],
            ':ttl': expiry(conversationTtl),
            ...(handoff ? { ':handoff': handoff } : {}),
          },
        }),
      );
    } catch (err) {
      // A newer event already decided who has the dialog: this older one changes nothing.
      if (!isConditionFailure(err)) throw err;
    }
  }

  /** The dialog an event names: its own id, else a known request or client link. */
  async function dialogOf(
    channelId: string,
    ref: ConversationRef,
    consistent = true,
  ): Promise<{ dialogId: string; viaRequest: boolean } | undefined> {
    if (ref.dialogId) return { dialogId: ref.dialogId, viaRequest: false };
    if (ref.requestId) {
      const dialogId = text((await get(keys.requestLink(channelId, ref.requestId), consistent))?.dialogId);
      if (dialogId) return { dialogId, viaRequest: true };
    }
    if (ref.clientId) {
      const dialogId = text((await get(keys.clientLink(channelId, ref.clientId), consistent))?.dialogId);
      if (dialogId) return { dialogId, viaRequest: false };
    }
    return undefined;
  }

  async function learnRequest(
    channelId: string,
    requestId: string,
    dialogId: string,
  ): Promise<number | undefined> {
    const result = await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: keys.requestLink(channelId, requestId) },
        UpdateExpression: 'SET dialogId = :d, #ttl = :ttl',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':d': dialogId, ':ttl': expiry(conversationTtl) },
        ReturnValues: 'ALL_OLD',
      }),
    );
    // A close that arrived before anything taught this request's dialog.
    const closedAtMs = result.Attributes?.closedAtMs;
    return typeof closedAtMs === 'number' ? closedAtMs : undefined;
  }

  const store: ConversationStore & OwnMessages = {
    async find(channelId, ref, options) {
      const consistent = options?.consistent ?? true;
      const found = await dialogOf(channelId, ref, consistent);
      if (!found) return undefined;
      return conversationOf(
        found.dialogId,
        await get(keys.conversation(channelId, found.dialogId), consistent),
      );
    },

    async resolve(channelId, ref) {
      const found = await dialogOf(channelId, ref);
      if (!found) return undefined;
      const { dialogId } = found;
      const item = await get(keys.conversation(channelId, dialogId));
      const conversation = conversationOf(dialogId, item);
      const pending: Transition[] = [];

      const newClient = ref.clientId !== undefined && conversation.clientId !== ref.clientId;
      const newRequest = ref.requestId !== undefined && conversation.requestId !== ref.requestId;
      if (newRequest && !found.viaRequest) {
        const closedAtMs = await learnRequest(channelId, ref.requestId!, dialogId);
        if (closedAtMs !== undefined)
          pending.push({ to: 'closed', reason: 'requestClosed', atMs: closedAtMs });
      }
      if (newClient) {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: { pk: keys.clientLink(channelId, ref.clientId!), dialogId, ttl: expiry(conversationTtl) },
          }),
        );
      }
      if (newClient || newRequest) {
        const names: Record<string, string> = { '#ttl': 'ttl' };
        const values: Record<string, unknown> = { ':ttl': expiry(conversationTtl) };
        const sets = ['#ttl = :ttl'];
        if (newClient) {
          sets.push('clientId = :c');
          values[':c'] = ref.clientId;
          conversation.clientId = ref.clientId!;
        }
        if (newRequest) {
          sets.push('requestId = :r');
          values[':r'] = ref.requestId;
          conversation.requestId = ref.requestId!;
        }
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: keys.conversation(channelId, dialogId) },
            UpdateExpression: `SET ${sets.join(', ')}`,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        );
      }
      for (const next of pending) {
        await transition(channelId, dialogId, next);
        const status = applyTransition(conversation.status, next);
        if (status) conversation.status = status;
      }
      return conversation;
    },

    transition,

    async endHandoff(channelId, dialogId, handoffId) {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: keys.conversation(channelId, dialogId) },
            UpdateExpression: 'REMOVE handoff',
            ConditionExpression: 'handoff.id = :id',
            ExpressionAttributeValues: { ':id': handoffId },
          }),
        );
      } catch (err) {
        // Ended already, or a newer hand-over took its place: nothing of this one to remove.
        if (!isConditionFailure(err)) throw err;
      }
    },

    async markRatingRequest(channelId, dialogId, requestId) {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: keys.conversation(channelId, dialogId) },
          UpdateExpression: 'SET ratingRequestId = :r, #ttl = :ttl',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':r': requestId, ':ttl': expiry(conversationTtl) },
        }),
      );
    },

    async setButtonOffer(channelId, dialogId, offer) {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: keys.conversation(channelId, dialogId) },
          ...(offer
            ? {
                UpdateExpression: 'SET buttonOffer = :o, #ttl = :ttl',
                ExpressionAttributeNames: { '#ttl': 'ttl' },
                ExpressionAttributeValues: { ':o': offer, ':ttl': expiry(conversationTtl) },
              }
            : { UpdateExpression: 'REMOVE buttonOffer' }),
        }),
      );
    },

    async closeRequest(channelId, requestId, atMs) {
      let item: Item | undefined;
      try {
        const result = await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: keys.requestLink(channelId, requestId) },
            UpdateExpression: 'SET closedAtMs = :at, #ttl = :ttl',
            ConditionExpression: 'attribute_not_exists(closedAtMs) OR closedAtMs < :at',
            ExpressionAttributeNames: { '#ttl': 'ttl' },
            ExpressionAttributeValues: { ':at': atMs, ':ttl': expiry(conversationTtl) },
            ReturnValues: 'ALL_NEW',
          }),
        );
        item = result.Attributes;
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        item = await get(keys.requestLink(channelId, requestId));
      }
      const dialogId = text(item?.dialogId);
      if (dialogId) await transition(channelId, dialogId, { to: 'closed', reason: 'requestClosed', atMs });
      return dialogId;
    },

    async recordOwnMessage(channelId, messageId, replyId) {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            pk: keys.ownMessage(channelId, messageId),
            ...(replyId ? { replyId } : {}),
            ttl: expiry(options.ownMessageTtlSeconds),
          },
        }),
      );
    },
    async isOwnMessage(channelId, messageId) {
      return (await get(keys.ownMessage(channelId, messageId))) !== undefined;
    },
    async replyOfOwnMessage(channelId, messageId) {
      return text((await get(keys.ownMessage(channelId, messageId)))?.replyId);
    },
    async recordIntent(channelId, intent, holdMs) {
      const pk = keys.sendIntent(channelId, intent.clientId, intent.digest);
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              pk,
              externalId: intent.externalId,
              atMs: intent.atMs,
              ttl: expiry(options.ownMessageTtlSeconds),
            },
            // Free unless the same part's claim is fresh: the same text to the same client from another
            // reply (another external id) simply takes the record over.
            ConditionExpression:
              'attribute_not_exists(pk) OR externalId <> :ext OR atMs < :stale OR released = :yes',
            ExpressionAttributeValues: {
              ':ext': intent.externalId,
              ':stale': intent.atMs - holdMs,
              ':yes': true,
            },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { held: false };
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        const heldSince = numberAttribute(storedItemOf(err), 'atMs') ?? intent.atMs;
        return { held: true, retryInMs: Math.max(1000, heldSince + holdMs - intent.atMs) };
      }
    },
    async releaseIntent(channelId, intent) {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: keys.sendIntent(channelId, intent.clientId, intent.digest) },
            UpdateExpression: 'SET released = :yes',
            ConditionExpression: 'externalId = :ext AND atMs = :at',
            ExpressionAttributeValues: { ':yes': true, ':ext': intent.externalId, ':at': intent.atMs },
          }),
        );
      } catch (err) {
        // Taken over meanwhile: nothing of ours to release.
        if (!isConditionFailure(err)) throw err;
      }
    },
    async findIntent(channelId, clientId, digest) {
      const item = await get(keys.sendIntent(channelId, clientId, digest));
      if (!item || typeof item.atMs !== 'number') return undefined;
      const intent: SendIntent = {
        clientId,
        digest,
        externalId: String(item.externalId ?? ''),
        atMs: item.atMs,
      };
      return intent;
    },
  };
  return store;
}

/** The state a conversation is in now, for views and tests. */
export function stateOf(conversation: Conversation | undefined): ConversationState {
  return conversation?.status?.state ?? 'bot';
}
