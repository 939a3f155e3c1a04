/**
 * Local-only views of the connector's state, for the console (`/console/`) and the sandbox's
 * operator desk (`/sandbox/operator/`). Nothing here exists on AWS (there, CloudWatch has the
 * metrics and logs); it reads what the stack really did:
 *
 *   GET /local/counters                → { channels: { <channelId>: ChannelCounters } }
 *   GET /local/bot-muted?clientId=&dialogId=   (Authorization: <Chat2Desk token>)
 *                                      → { channelId, dialogId?, muted, state?, reason?, since? }
 *
 * Counters come from the webhook route (accepted `inbox` events) and from the functions' outcome
 * log lines (invariant 2: every skip is logged with its reason), observed on the one shared
 * Powertools logger (functions in this process) or on the JSON lines their threads send; dead letters from a peek of the two DLQs (nothing consumed).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod/mini';
import { peekDeadLetters } from '../../../scripts/dlq-tools';
import type { ChannelRepository } from '../../../shared/channels/ports';
import { botMayAnswer, MAX_HUMAN_MS } from '../../../shared/conversations/conversation';
import type { ConversationRef, ConversationStore } from '../../../shared/conversations/ports';
import { BOT_OPERATOR_LINES } from '../../../shared/inbound/handle-inbound-event';
import { writeJson } from './http-event';
import '../../../shared/zod-en';

export interface ChannelCounters {
  /** Client messages (`inbox`) the webhook route accepted. */
  received: number;
  /** Inbound events the agent answered. */
  answered: number;
  /** Inbound events skipped on purpose, by reason (`OwnEcho`, `WithHuman`, `AssignedToOperator`, …). */
  skipped: Record<string, number>;
  /** Replies sent to Chat2Desk, and those skipped by reason. */
  repliesSent: number;
  repliesSkipped: Record<string, number>;
  /** Replies a messenger refused after Chat2Desk took them (`outbox_status` errors). */
  deliveryFailures: number;
  /** Messages of this channel now in the dead-letter queues. */
  deadLetters: { inbound: number; outbound: number };
  /** The bot operator's last status in Chat2Desk (`operator_status_updated`); absent until one arrived. */
  botOperator?: BotOperatorStatus;
}

export interface BotOperatorStatus {
  online: boolean;
  offlineType?: string;
  /** When Chat2Desk says it changed (ISO). */
  since: string;
}

/** The log lines counted (functions/worker, functions/reply). A renamed line shows up as a zero in test/e2e/console. */
const OUTCOME_LINES = {
  answered: 'inbound event answered',
  skipped: 'inbound event skipped',
  replyDelivered: 'reply delivered',
  replySkipped: 'reply skipped',
  deliveryFailed: 'reply refused by the messenger',
} as const;

function emptyCounters(): ChannelCounters {
  return {
    received: 0,
    answered: 0,
    skipped: {},
    repliesSent: 0,
    repliesSkipped: {},
    deliveryFailures: 0,
    deadLetters: { inbound: 0, outbound: 0 },
  };
}

export interface CounterBook {
  /** The webhook route saw a request for this channel answered with `status`. */
  observeWebhook(channelId: string, status: number, body: Buffer): void;
  /** One log line of a function (message + attributes). */
  observeLog(message: unknown, attributes: unknown): void;
  snapshot(): Record<string, ChannelCounters>;
}

export function createCounterBook(): CounterBook {
  const book = new Map<string, ChannelCounters>();
  const of = (channelId: string) => {
    let counters = book.get(channelId);
    if (!counters) {
      counters = emptyCounters();
      book.set(channelId, counters);
    }
    return counters;
  };
  const bump = (map: Record<string, number>, key: unknown) => {
    const k = typeof key === 'string' && key ? key : 'unknown';
    map[k] = (map[k] ?? 0) + 1;
  };
  return {
    observeWebhook(channelId, status, body) {
      if (status !== 200) return;
      try {
        const parsed = JSON.parse(body.toString('utf8')) as { hook_type?: unknown };
        if (parsed?.hook_type === 'inbox') of(channelId).received += 1;
      } catch {
        // not JSON: the function refused it, nothing was received
      }
    },
    observeLog(message, attributes) {
      const attrs = (attributes && typeof attributes === 'object' ? attributes : {}) as Record<
        string,
        unknown
      >;
      const channelId = typeof attrs.channelId === 'string' ? attrs.channelId : undefined;
      if (!channelId) return;
      if (message === OUTCOME_LINES.answered) of(channelId).answered += 1;
      else if (message === OUTCOME_LINES.skipped) bump(of(channelId).skipped, attrs.reason);
      else if (message === OUTCOME_LINES.replyDelivered) of(channelId).repliesSent += 1;
      else if (message === OUTCOME_LINES.replySkipped) bump(of(channelId).repliesSkipped, attrs.reason);
      else if (message === OUTCOME_LINES.deliveryFailed) of(channelId).deliveryFailures += 1;
      else if (message === BOT_OPERATOR_LINES.offline || message === BOT_OPERATOR_LINES.online) {
        of(channelId).botOperator = {
          online: message === BOT_OPERATOR_LINES.online,
          ...(typeof attrs.offlineType === 'string' ? { offlineType: attrs.offlineType } : {}),
          since: typeof attrs.since === 'string' ? attrs.since : new Date().toISOString(),
        };
      }
    },
    snapshot() {
      return Object.fromEntries([...book].map(([id, c]) => [id, structuredClone(c)]));
    },
  };
}

/** Taps the functions' logger (the same module instance the handlers use); returns the undo. */
export function observeLogger(logger: Logger, book: CounterBook): () => void {
  const original = { info: logger.info, warn: logger.warn };
  for (const level of ['info', 'warn'] as const) {
    const write = original[level];
    logger[level] = (...args: Parameters<Logger['info']>) => {
      try {
        book.observeLog(args[0], args[1]);
      } catch {
        // counting must never break a function
      }
      write.apply(logger, args);
    };
  }
  return () => {
    logger.info = original.info;
    logger.warn = original.warn;
  };
}

/**
 * One JSON log line of a function run in its own thread (its logger is not this process's):
 * Powertools puts the message and the attributes at the top level of the record.
 */
export function observeLogLine(book: CounterBook, line: string): void {
  // Only outcome lines count; most lines are skipped before parsing.
  if (!line.startsWith('{') || !line.includes('"channelId"')) return;
  try {
    const record = JSON.parse(line) as { message?: unknown };
    book.observeLog(record.message, record);
  } catch {
    // not JSON after all: nothing to count
  }
}

/**
 * How the desk names a conversation to the ConversationStore: the Chat2Desk dialog, with the
 * client as the fallback link (an unknown dialog id is found through its client). The one place
 * to change if the store's keys change again.
 */
export function botMuteKey(dialog: { clientId: string; dialogId?: string }): ConversationRef {
  return { clientId: dialog.clientId, ...(dialog.dialogId ? { dialogId: dialog.dialogId } : {}) };
}

export interface ConnectorStateOptions {
  book: CounterBook;
  channels: Pick<ChannelRepository, 'tokenLockOwner' | 'get'>;
  conversations: Pick<ConversationStore, 'find'>;
  sqs: SQSClient;
  deadLetterQueues: { inbound: string; outbound: string };
}

export interface ConnectorStateApp {
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

const DLQ_CACHE_MS = 3000;

const numericId = z.string().check(z.regex(/^\d{1,20}$/));
const botMutedQuerySchema = z.strictObject({
  token: z.string().check(z.minLength(1)),
  clientId: numericId,
  dialogId: z.optional(numericId),
});

function channelOfDeadLetter(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { channelId?: unknown };
    return typeof parsed.channelId === 'string' ? parsed.channelId : undefined;
  } catch {
    return undefined;
  }
}

export function createConnectorStateApp(options: ConnectorStateOptions): ConnectorStateApp {
  let dlqCache:
    | { at: number; value: Promise<Record<string, { inbound: number; outbound: number }>> }
    | undefined;

  async function countDeadLetters(): Promise<Record<string, { inbound: number; outbound: number }>> {
    const counts: Record<string, { inbound: number; outbound: number }> = {};
    for (const which of ['inbound', 'outbound'] as const) {
      const { letters, approximateTotal } = await peekDeadLetters({
        client: options.sqs,
        queueUrl: options.deadLetterQueues[which],
        max: 100,
        visibilitySeconds: 5,
        emptyReceives: 1,
      }).catch(() => ({ letters: [], approximateTotal: 0 }));
      if (approximateTotal === 0) continue;
      for (const letter of letters) {
        const channelId = channelOfDeadLetter(letter.body) ?? 'unknown';
        counts[channelId] ??= { inbound: 0, outbound: 0 };
        counts[channelId][which] += 1;
      }
    }
    return counts;
  }

  function deadLetters() {
    if (!dlqCache || Date.now() - dlqCache.at > DLQ_CACHE_MS) {
      dlqCache = { at: Date.now(), value: countDeadLetters() };
    }
    return dlqCache.value;
  }

  return {
    async handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://local');
      if (url.pathname === '/local/counters' && req.method === 'GET') {
        const channels = options.book.snapshot();
        for (const [channelId, dlq] of Object.entries(await deadLetters())) {
          channels[channelId] ??= emptyCounters();
          channels[channelId].deadLetters = dlq;
        }
        writeJson(res, 200, { channels });
        return true;
      }
      if (url.pathname === '/local/bot-muted' && req.method === 'GET') {
        const query = botMutedQuerySchema.safeParse({
          token: typeof req.headers.authorization === 'string' ? req.headers.authorization.trim() : '',
          clientId: url.searchParams.get('clientId') ?? '',
          ...(url.searchParams.has('dialogId') ? { dialogId: url.searchParams.get('dialogId') } : {}),
        });
        if (!query.success) {
          writeJson(res, 400, {
            error: 'send the account token as Authorization and a numeric clientId (and dialogId)',
          });
          return true;
        }
        const { token, clientId, dialogId } = query.data;
        // The account's active channel holds the token's lock.
        const channelId = await options.channels.tokenLockOwner(token);
        const channel = channelId ? await options.channels.get(channelId) : undefined;
        if (channel?.status !== 'active' || channel.token !== token) {
          writeJson(res, 404, { error: 'no active channel uses this account' });
          return true;
        }
        const key = botMuteKey({ clientId, ...(dialogId ? { dialogId } : {}) });
        const conversation = await options.conversations.find(channel.id, key);
        const status = conversation?.status;
        // The reply function's own rule (shared/outbound/deliver-reply.ts): what it would do now.
        const muted = !botMayAnswer(status, Date.now(), MAX_HUMAN_MS);
        writeJson(res, 200, {
          channelId: channel.id,
          ...(conversation ? { dialogId: conversation.dialogId } : {}),
          muted,
          ...(status
            ? { state: status.state, reason: status.reason, since: new Date(status.atMs).toISOString() }
            : {}),
        });
        return true;
      }
      return false;
    },
  };
}
