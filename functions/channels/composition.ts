/**
 * The composition root of channel management: every client built once per process and injected
 * into the use cases as ports.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createAgentInfoClient } from '../../shared/adapters/agent/agent-info-client';
import { getDocumentClient, getSqsClient } from '../../shared/adapters/aws-clients';
import { createChat2DeskAccountClient } from '../../shared/adapters/chat2desk/account-client';
import { chat2deskFetch } from '../../shared/adapters/chat2desk/edge';
import { createCallerKeyOnce } from '../../shared/adapters/dynamodb/caller-key-once';
import { createChannelReader } from '../../shared/adapters/dynamodb/channel-item';
import { createChannelStore } from '../../shared/adapters/dynamodb/channel-store';
import { createUrlGuard, type HostLookup } from '../../shared/adapters/http/url-guard';
import { createOutboundQueue } from '../../shared/adapters/sqs/outbound-queue';
import { buildOnce } from '../../shared/build-once';
import { CALLER_KEY_TTL_SECONDS } from '../../shared/channels/caller-key';
import { createChannelUseCases } from '../../shared/channels/channel-use-cases';
import { createNotifyCommand } from '../../shared/channels/notify';
import type { ChannelUseCaseDeps } from '../../shared/channels/ports';
import { type Config, loadConfig, required, resolveSecret } from '../../shared/config';
import { createSendCommand, type SendCommandUseCase } from '../../shared/outbound/send-command';
import { registerSecret } from '../../shared/redaction';
import { webhookName, webhookUrl } from '../../shared/webhook-url';
import type { ManagementUseCases } from './handler';

export interface CompositionOverrides {
  documentClient?: DynamoDBDocumentClient;
  /** The low-level client of Powertools Idempotency (caller keys). */
  dynamoDbClient?: DynamoDBClient;
  sqsClient?: SQSClient;
  lookup?: HostLookup;
  /** Replaces the process's Chat2Desk edge (tests). */
  chat2deskFetch?: typeof fetch;
  now?: () => Date;
}

export async function composeChannelDeps(
  config: Config,
  overrides: CompositionOverrides = {},
): Promise<ChannelUseCaseDeps> {
  const tableName = required(config, 'TABLE_NAME');
  const publicBaseUrl = required(config, 'PUBLIC_BASE_URL');
  const agentApiUrl = required(config, 'AGENT_API_URL');
  const [tokenHashKey, webhookKey, agentApiKey] = await Promise.all([
    resolveSecret(config, 'TOKEN_HASH_KEY'),
    resolveSecret(config, 'WEBHOOK_SECRET_KEY'),
    resolveSecret(config, 'AGENT_API_KEY'),
  ]);
  registerSecret(agentApiKey);
  const now = overrides.now ?? (() => new Date());
  const edge = overrides.chat2deskFetch ?? chat2deskFetch(config.LOCAL_MODE);
  return {
    channels: createChannelStore({
      client: overrides.documentClient ?? getDocumentClient(),
      tableName,
      tokenHashKey,
      now,
    }),
    agents: createAgentInfoClient({
      baseUrl: agentApiUrl,
      apiKey: agentApiKey,
      timeoutMs: config.AGENT_TIMEOUT_MS,
    }),
    accounts: {
      forAccount: (apiUrl, token) =>
        createChat2DeskAccountClient({
          baseUrl: apiUrl,
          token,
          timeoutMs: config.CHAT2DESK_TIMEOUT_MS,
          fetchImpl: edge,
        }),
    },
    apiUrlPolicy: createUrlGuard({
      localMode: config.LOCAL_MODE,
      ...(overrides.lookup ? { lookup: overrides.lookup } : {}),
    }),
    webhooks: {
      urlFor: (channelId, generation) => webhookUrl(publicBaseUrl, webhookKey, channelId, generation),
      nameFor: webhookName,
    },
    now,
    newId: randomUUID,
  };
}

export async function composeChannelUseCases(
  config: Config,
  overrides: CompositionOverrides = {},
): Promise<ManagementUseCases> {
  const deps = await composeChannelDeps(config, overrides);
  const send = composeSend(config, overrides);
  return {
    ...createChannelUseCases(deps),
    send,
    callerKeys: createCallerKeyOnce({
      // Powertools Idempotency takes the low-level client; built once here like the others.
      dynamoDb: overrides.dynamoDbClient ?? new DynamoDBClient({}),
      tableName: required(config, 'TABLE_NAME'),
      ttlSeconds: CALLER_KEY_TTL_SECONDS,
    }),
    notify: createNotifyCommand({
      channels: deps.channels,
      accountFor: (channel) =>
        createChat2DeskAccountClient({
          baseUrl: channel.apiUrl,
          token: channel.token,
          timeoutMs: config.CHAT2DESK_TIMEOUT_MS,
          fetchImpl: overrides.chat2deskFetch ?? chat2deskFetch(config.LOCAL_MODE),
        }),
      send,
    }),
  };
}

/** `send` queues on the outbound queue; OUTBOUND_QUEUE_URL is required when it is first used. */
function composeSend(config: Config, overrides: CompositionOverrides): SendCommandUseCase {
  let send: SendCommandUseCase | undefined;
  return (input) => {
    send ??= createSendCommand({
      channels: createChannelReader({
        client: overrides.documentClient ?? getDocumentClient(),
        tableName: required(config, 'TABLE_NAME'),
        cacheTtlMs: 0,
      }),
      outboundQueue: createOutboundQueue({
        client: overrides.sqsClient ?? getSqsClient(),
        queueUrl: required(config, 'OUTBOUND_QUEUE_URL'),
      }),
    });
    return send(input);
  };
}

/** Built on the first invocation and reused for the life of the process (again after a failed build). */
export const getChannelUseCases: () => Promise<ManagementUseCases> = buildOnce(() =>
  composeChannelUseCases(loadConfig()),
);
