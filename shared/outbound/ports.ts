/**
 * What the reply use case (deliver-reply.ts) needs from the world, as ports. Adapters:
 * `shared/adapters/dynamodb/sent-replies.ts`, `shared/adapters/dynamodb/reply-records.ts`.
 */
import type { Conversation } from '../conversations/ports';

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
