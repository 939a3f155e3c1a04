/**
 * What the outbound use cases (deliver-reply.ts, account-directory.ts, retry-policy.ts,
 * send-command.ts) need from the world, as ports. Adapters: the Chat2Desk request function and
 * messages client (`shared/adapters/chat2desk/http.ts`, `shared/adapters/chat2desk/messages-client.ts`),
 * the channel reader (`shared/adapters/dynamodb/channel-item.ts`), the sent-records
 * (`shared/adapters/dynamodb/sent-replies.ts`, `shared/adapters/dynamodb/reply-records.ts`), the
 * connector's events and the outbound queue (`shared/adapters/sqs/connector-events.ts`,
 * `shared/adapters/sqs/outbound-queue.ts`). Chat2Desk's failures are typed in `shared/errors.ts`.
 */
import type { Conversation } from '../conversations/ports';
import type { Channel } from '../domain/channel';
import type { OutboundQueueMessage, ReplyTarget } from '../domain/queue-messages';
import type { ListedMessage } from './earlier-send';
import type { MessageOperation } from './render/send-operations';

/** One request to a Chat2Desk account's API. */
export interface Chat2DeskRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
}

export interface Chat2DeskResponse {
  httpStatus: number;
  data: unknown;
  meta: unknown;
}

/** The request function of one account (the adapter's, or the retry policy's around it). */
export type Chat2DeskHttp = (request: Chat2DeskRequest) => Promise<Chat2DeskResponse>;

/** Where a message goes and who says it. */
export interface MessageAddress {
  clientId: string;
  /** The bot's operator (the channel's operatorId): the message shows as sent by it. */
  operatorId?: string;
  /** Chat2Desk's channel id and transport from the inbound event; Chat2Desk defaults to the last ones. */
  c2dChannelId?: string;
  transport?: string;
}

export interface SentMessage {
  /** Absent when Chat2Desk answered 2xx with a body we cannot read: the message was taken all the same. */
  messageId?: string;
  dialogId?: string;
}

export interface DialogChanges {
  /** `null` takes the dialog from its operator: it waits in the general queue. */
  operatorId?: string | null;
  state?: 'open' | 'closed';
}

export interface Chat2DeskMessagesClient {
  sendMessage(address: MessageAddress, operation: MessageOperation, externalId: string): Promise<SentMessage>;
  /**
   * The account's latest messages, newest first (`order=desc`; `client_id` is sent, but the list
   * may be the whole account's).
   */
  latestMessages(clientId: string, limit: number): Promise<ListedMessage[]>;
  transferToOperator(messageId: string, operatorId: string): Promise<void>;
  transferToGroup(messageId: string, groupId: string): Promise<void>;
  updateDialog(dialogId: string, changes: DialogChanges): Promise<void>;
}

/** The hand-off calls (transfer options, close, tags, client card). */
export interface Chat2DeskHandoffCalls {
  sendComment(address: MessageAddress, text: string, externalId: string): Promise<void>;
  closeRequest(clientId: string): Promise<void>;
  listOperatorStatuses(): Promise<OperatorStatus[]>;
  listOperatorGroups(): Promise<OperatorGroup[]>;
  listTags(): Promise<AccountTag[]>;
  assignTags(tagIds: string[], assignee: { type: 'request' | 'client'; id: string }): Promise<void>;
  updateClient(clientId: string, changes: ClientCardChanges): Promise<void>;
}

/** An operator and whether it can take a dialog now (`online` 1 and no `offline_type`). */
export interface OperatorStatus {
  id: string;
  online: boolean;
}

export interface OperatorGroup {
  id: string;
  operatorIds: string[];
}

export interface AccountTag {
  id: string;
  name?: string;
}

export interface ClientCardChanges {
  name?: string;
  comment?: string;
  customFields?: Record<string, string>;
}

export interface ChannelReadOptions {
  /** The generation the caller's message carries: a cached channel of an older one is re-read. */
  generation?: number;
  /** Bypass the cache with a consistent read (a failure that a changed channel may explain). */
  fresh?: boolean;
}

export interface ChannelLookup {
  get(channelId: string, options?: ChannelReadOptions): Promise<Channel | undefined>;
}

/** Events the connector raises for the agent itself. */
export interface ConnectorEvents {
  /** A transfer with `whenOffline: "stay"` found nobody online: the agent hears `c2d: no operators online`. */
  noOperatorsOnline(event: {
    channelId: string;
    generation: number;
    replyId: string;
    target: ReplyTarget;
    variables?: Record<string, string>;
  }): Promise<void>;
}

export interface OutboundQueue {
  /** Sends the messages in order; resolves only when the queue accepted every one. */
  enqueue(messages: OutboundQueueMessage[]): Promise<void>;
}

export interface SentPart {
  index: number;
  messageId?: string;
  sentAt: string;
}

export interface PartState {
  sent?: SentPart;
  /** Sends of this part whose outcome is unknown (Chat2Desk may have it). */
  unsureSends: number;
  /** When the first of them ended (ms since epoch): Chat2Desk stored the part, if at all, before it. */
  firstUnsureAtMs?: number;
}

export interface SentReplies {
  sentPart(replyId: string, index: number): Promise<SentPart | undefined>;
  /** The part's record, and how many of its sends ended without a known outcome. */
  partState(replyId: string, index: number): Promise<PartState>;
  recordPart(replyId: string, index: number, messageId?: string): Promise<void>;
  /** One more send of the part ended without a known outcome (nothing once the part is recorded). */
  recordUnsureSend(replyId: string, index: number): Promise<void>;
}

/** Two records at a time: one request before a send and one after (docs/DEPLOY.md). */
export interface ReplyRecords {
  /** The last part's state and the conversation of a known dialog, in one request. */
  startOfDelivery(
    replyId: string,
    lastIndex: number,
    channelId: string,
    dialogId: string,
  ): Promise<{ lastPart: PartState; conversation: Conversation }>;
  /** Part `index` was sent as Chat2Desk message `messageId`: its record and the own-message record, in one request. */
  recordSent(channelId: string, replyId: string, index: number, messageId: string): Promise<void>;
}
