/**
 * Builds the reply function's clients once per cold start: the DynamoDB stores, the per-token rate
 * limiter (shared by every channel of this process) and, per channel account, a Chat2Desk client
 * whose API address passed the SSRF guard.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { getDocumentClient } from '../../shared/adapters/aws-clients';
import { createChat2DeskHttp } from '../../shared/adapters/chat2desk/http';
import {
  type Chat2DeskMessagesClient,
  createMessagesClient,
} from '../../shared/adapters/chat2desk/messages-client';
import { createChannelReader } from '../../shared/adapters/dynamodb/channel-item';
import { createConversationStore } from '../../shared/adapters/dynamodb/conversation-store';
import { createSentReplies } from '../../shared/adapters/dynamodb/sent-replies';
import { createUrlGuard, type UrlGuard } from '../../shared/adapters/http/url-guard';
import { type Config, loadConfig, required } from '../../shared/config';
import type { Channel } from '../../shared/domain/channel';
import { PermanentError, RetryableError } from '../../shared/errors';
import type { DeliverReplyDeps } from '../../shared/outbound/deliver-reply';
import { createRateLimiter, type RateLimiter, rateLimitKey } from '../../shared/outbound/rate-limiter';
import { createResilientHttp, type RetryHooks, type RetryPolicy } from '../../shared/outbound/retry-policy';

export interface ReplyCompositionOptions {
  config?: Config;
  documentClient?: DynamoDBDocumentClient;
  urlGuard?: UrlGuard;
  limiter?: RateLimiter;
  retryPolicy?: RetryPolicy;
  retryHooks?: RetryHooks;
  fetchImpl?: typeof fetch;
}

const MAX_CACHED_CLIENTS = 500;

export function buildReplyDeps(options: ReplyCompositionOptions = {}): DeliverReplyDeps {
  const config = options.config ?? loadConfig();
  const tableName = required(config, 'TABLE_NAME');
  const client = options.documentClient ?? getDocumentClient();
  const limiter = options.limiter ?? createRateLimiter({ perSecond: config.CHAT2DESK_RATE_LIMIT_PER_SECOND });
  const urlGuard = options.urlGuard ?? createUrlGuard({ localMode: config.LOCAL_MODE });
  const clients = new Map<string, Chat2DeskMessagesClient>();

  const messagesClientFor = async (channel: Channel): Promise<Chat2DeskMessagesClient> => {
    const limiterKey = rateLimitKey(channel.token);
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
        ...(options.fetchImpl ? { fetchImpl: options.fetchImpl } : {}),
      }),
      limiter,
      limiterKey,
      ...(options.retryPolicy ? { policy: options.retryPolicy } : {}),
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
  const deps: DeliverReplyDeps = {
    channels: createChannelReader({ client, tableName, cacheTtlMs: config.CHANNEL_CACHE_TTL_MS }),
    sentReplies: createSentReplies({ client, tableName, ttlSeconds: config.DEDUP_TTL_SECONDS }),
    conversations,
    ownMessages: conversations,
    messagesClientFor,
  };
  if (config.FALLBACK_OPERATOR_GROUP_ID) deps.fallbackOperatorGroupId = config.FALLBACK_OPERATOR_GROUP_ID;
  return deps;
}
