/**
 * Builds the reply function's clients once per cold start: the DynamoDB stores, the per-account
 * rate limiter (its schedule in the table, shared by every instance; keyed by the token's keyed
 * hash) and, per channel account, a Chat2Desk client whose API address passed the SSRF guard.
 */

import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { getDocumentClient, getSqsClient } from '../../shared/adapters/aws-clients';
import { chat2deskFetch } from '../../shared/adapters/chat2desk/edge';
import { createChat2DeskHttp } from '../../shared/adapters/chat2desk/http';
import { createMessagesClient } from '../../shared/adapters/chat2desk/messages-client';
import { createChannelReader } from '../../shared/adapters/dynamodb/channel-item';
import { tokenLockHash } from '../../shared/adapters/dynamodb/channel-store';
import { createConversationStore } from '../../shared/adapters/dynamodb/conversation-store';
import { createReplyRecords } from '../../shared/adapters/dynamodb/reply-records';
import {
  createDynamoSendSchedule,
  createSlotReservations,
} from '../../shared/adapters/dynamodb/send-schedule';
import { createSentReplies } from '../../shared/adapters/dynamodb/sent-replies';
import { createUrlGuard, type UrlGuard } from '../../shared/adapters/http/url-guard';
import { createConnectorEvents } from '../../shared/adapters/sqs/connector-events';
import { createDeadLetters, type DeadLetters } from '../../shared/adapters/sqs/dead-letters';
import { createRequeue, type Requeue } from '../../shared/adapters/sqs/requeue';
import { buildOnce } from '../../shared/build-once';
import {
  type Config,
  ConfigError,
  inboundQueueUrls,
  loadConfig,
  required,
  resolveSecret,
} from '../../shared/config';
import type { Channel } from '../../shared/domain/channel';
import { PermanentError, RetryableError } from '../../shared/errors';
import { createAccountDirectory } from '../../shared/outbound/account-directory';
import type { DeliverReplyDeps } from '../../shared/outbound/deliver-reply';
import type { Chat2DeskMessagesClient } from '../../shared/outbound/ports';
import {
  createRateLimiter,
  type RateLimiter,
  type SlotReservation,
  type SlotReservations,
} from '../../shared/outbound/rate-limiter';
import {
  createResilientHttp,
  DEFAULT_RETRY_POLICY,
  type RetryHooks,
  type RetryPolicy,
} from '../../shared/outbound/retry-policy';
import { recordBudgetMs } from '../../shared/timeouts';

export interface ReplyCompositionOptions {
  config?: Config;
  documentClient?: DynamoDBDocumentClient;
  urlGuard?: UrlGuard;
  limiter?: RateLimiter;
  retryPolicy?: RetryPolicy;
  retryHooks?: RetryHooks;
  fetchImpl?: typeof fetch;
  sqsClient?: SQSClient;
}

const MAX_CACHED_CLIENTS = 500;

export interface ReplyDeps extends DeliverReplyDeps {
  /** Where a reply that can never be delivered goes at once. */
  deadLetters: DeadLetters;
  /** Records not started for lack of time go back on the queue at once (absent: they wait). */
  requeue?: Requeue;
  /** A record is started only with this much of the invocation left. */
  recordBudgetMs: number;
  /** The outbound queue's receives before the DLQ: the slot wait depends on it. */
  maxReceiveCount: number;
  /** How many of one channel's conversations a batch runs at once. */
  maxConversationsPerChannel: number;
  /**
   * A record whose account is booked beyond its wait reserves its slots and comes back when they
   * are due (absent: it comes back when the first free slot was due, and claims again).
   */
  slotReservations?: SlotReservations & { reserve(key: string, count: number): Promise<SlotReservation> };
}

export function buildReplyDeps(options: ReplyCompositionOptions = {}): ReplyDeps {
  const config = options.config ?? loadConfig();
  const tableName = required(config, 'TABLE_NAME');
  const client = options.documentClient ?? getDocumentClient();
  if (!config.TOKEN_HASH_KEY && !config.TOKEN_HASH_KEY_SECRET_ARN) {
    throw new ConfigError('Missing environment variable TOKEN_HASH_KEY (or TOKEN_HASH_KEY_SECRET_ARN)');
  }
  if (!config.WEBHOOK_SECRET_KEY && !config.WEBHOOK_SECRET_KEY_SECRET_ARN) {
    throw new ConfigError(
      'Missing environment variable WEBHOOK_SECRET_KEY (or WEBHOOK_SECRET_KEY_SECRET_ARN)',
    );
  }
  // The rate-limit key of an account: the token's keyed hash, as the token lock (never the token).
  // Read once; a failed read is tried again on the next send (buildOnce).
  const hashKey = buildOnce(() => resolveSecret(config, 'TOKEN_HASH_KEY'));
  const limiterKeyOf = async (token: string) => tokenLockHash(await hashKey(), token);
  const limiter =
    options.limiter ??
    createRateLimiter({
      perSecond: config.CHAT2DESK_RATE_LIMIT_PER_SECOND,
      slackMs: config.CHAT2DESK_RATE_LIMIT_SLACK_MS,
      maxWaitMs: config.CHAT2DESK_RATE_LIMIT_MAX_WAIT_MS,
      busyLeaseMs: config.CHAT2DESK_RATE_LEASE_MS,
      schedule: createDynamoSendSchedule({ client, tableName }),
    });
  const urlGuard = options.urlGuard ?? createUrlGuard({ localMode: config.LOCAL_MODE });
  const clients = new Map<string, Chat2DeskMessagesClient>();

  const messagesClientFor = async (channel: Channel): Promise<Chat2DeskMessagesClient> => {
    const limiterKey = await limiterKeyOf(channel.token);
    const cacheKey = `${channel.id}|${channel.apiUrl}|${limiterKey}`;
    const cached = clients.get(cacheKey);
    if (cached) return cached;
    const check = await urlGuard.check(channel.apiUrl);
    if (!check.ok) {
      const message = `channel ${channel.id}: the Chat2Desk address ${check.reason}`;
      if (check.kind === 'unresolvable') throw new RetryableError('CHAT2DESK_UNREACHABLE', message);
      throw new PermanentError('API_URL_FORBIDDEN', message);
    }
    const http = createResilientHttp({
      http: createChat2DeskHttp({
        baseUrl: channel.apiUrl,
        token: channel.token,
        timeoutMs: config.CHAT2DESK_TIMEOUT_MS,
        fetchImpl: options.fetchImpl ?? chat2deskFetch(config.LOCAL_MODE),
      }),
      limiter,
      limiterKey,
      policy: { ...DEFAULT_RETRY_POLICY, attemptMs: config.CHAT2DESK_TIMEOUT_MS, ...options.retryPolicy },
      ...(options.retryHooks ? { hooks: options.retryHooks } : {}),
    });
    const messages = createMessagesClient(http);
    if (clients.size >= MAX_CACHED_CLIENTS) clients.delete(clients.keys().next().value as string);
    clients.set(cacheKey, messages);
    return messages;
  };

  const conversations = createConversationStore({
    client,
    tableName,
    ownMessageTtlSeconds: config.DEDUP_TTL_SECONDS,
  });
  const externalIdKey = buildOnce(() => resolveSecret(config, 'WEBHOOK_SECRET_KEY'));
  const deps: ReplyDeps = {
    externalIdKey,
    channels: createChannelReader({ client, tableName, cacheTtlMs: config.CHANNEL_CACHE_TTL_MS }),
    sentReplies: createSentReplies({ client, tableName, ttlSeconds: config.DEDUP_TTL_SECONDS }),
    replyRecords: createReplyRecords({ client, tableName, ttlSeconds: config.DEDUP_TTL_SECONDS }),
    conversations,
    ownMessages: conversations,
    messagesClientFor,
    recordBudgetMs: recordBudgetMs(config.CHAT2DESK_TIMEOUT_MS),
    maxReceiveCount: config.OUTBOUND_MAX_RECEIVE_COUNT,
    maxConversationsPerChannel: config.REPLY_MAX_CONVERSATIONS_PER_CHANNEL,
    ...(limiter.reserve
      ? {
          slotReservations: {
            ...createSlotReservations({ client, tableName }),
            reserve: limiter.reserve.bind(limiter),
          },
        }
      : {}),
    ...(config.OUTBOUND_QUEUE_URL
      ? {
          requeue: createRequeue({
            client: options.sqsClient ?? getSqsClient(),
            queueUrl: config.OUTBOUND_QUEUE_URL,
          }),
        }
      : {}),
    deadLetters: createDeadLetters({
      client: options.sqsClient ?? getSqsClient(),
      queueUrl: required(config, 'OUTBOUND_DLQ_URL'),
      functionName: 'reply',
    }),
  };
  if (config.FALLBACK_OPERATOR_GROUP_ID) deps.fallbackOperatorGroupId = config.FALLBACK_OPERATOR_GROUP_ID;
  deps.accountDirectory = createAccountDirectory({ ttlMs: config.HANDOFF_CACHE_MS });
  // A transfer that finds nobody online tells the agent through the inbound queue (the worker calls it).
  const inboundUrls = inboundQueueUrls(config);
  if (inboundUrls.length > 0) {
    deps.connectorEvents = createConnectorEvents({
      client: options.sqsClient ?? getSqsClient(),
      queueUrl: inboundUrls,
    });
  }
  return deps;
}
