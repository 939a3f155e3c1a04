/** Builds the worker's clients once per cold start, from the validated config. */

import type { AgentCallOnce } from '../../shared/adapters/agent/agent-call-once';
import { createAgentCallOnce } from '../../shared/adapters/agent/agent-call-once';
import { createAgentEventsClient } from '../../shared/adapters/agent/agent-events-client';
import { getDocumentClient, getSqsClient } from '../../shared/adapters/aws-clients';
import { createChannelReader } from '../../shared/adapters/dynamodb/channel-item';
import { createConversationStore } from '../../shared/adapters/dynamodb/conversation-store';
import { createDeadLetters, type DeadLetters } from '../../shared/adapters/sqs/dead-letters';
import { createOutboundQueue } from '../../shared/adapters/sqs/outbound-queue';
import { createRequeue, type Requeue } from '../../shared/adapters/sqs/requeue';
import { type Config, inboundShardUrls, loadConfig, required, resolveSecret } from '../../shared/config';
import type { InboundEventDeps } from '../../shared/inbound/ports';
import { recordBudgetMs } from '../../shared/timeouts';

export interface WorkerDeps extends InboundEventDeps {
  agent: AgentCallOnce;
  /** Where a record that can never succeed goes at once. */
  deadLetters: DeadLetters;
  /** Records not started for lack of time go back on the queue at once. */
  requeue: Requeue;
  /** A record is started only with this much of the invocation left (docs/RUNBOOK.md, timeouts). */
  recordBudgetMs: number;
}

export async function buildWorkerDeps(config: Config = loadConfig()): Promise<WorkerDeps> {
  const tableName = required(config, 'TABLE_NAME');
  const documentClient = getDocumentClient();
  const agent = createAgentEventsClient({
    baseUrl: required(config, 'AGENT_API_URL'),
    apiKey: await resolveSecret(config, 'AGENT_API_KEY'),
    timeoutMs: config.AGENT_TIMEOUT_MS,
    maxAttempts: config.AGENT_MAX_ATTEMPTS,
  });
  const conversations = createConversationStore({
    client: documentClient,
    tableName,
    ownMessageTtlSeconds: config.DEDUP_TTL_SECONDS,
  });
  return {
    channels: createChannelReader({
      client: documentClient,
      tableName,
      cacheTtlMs: config.CHANNEL_CACHE_TTL_MS,
    }),
    conversations,
    ownMessages: conversations,
    agent: createAgentCallOnce({
      agent,
      client: documentClient,
      tableName,
      ttlSeconds: config.DEDUP_TTL_SECONDS,
      maxCalls: config.AGENT_MAX_ATTEMPTS,
    }),
    outbound: createOutboundQueue({
      client: getSqsClient(),
      queueUrl: required(config, 'OUTBOUND_QUEUE_URL'),
    }),
    // Every inbound shard this worker consumes: a record is handed back on its own queue.
    requeue: createRequeue({ client: getSqsClient(), queueUrl: inboundShardUrls(config) }),
    recordBudgetMs: recordBudgetMs(config.AGENT_TIMEOUT_MS),
    deadLetters: createDeadLetters({
      client: getSqsClient(),
      queueUrl: required(config, 'INBOUND_DLQ_URL'),
      functionName: 'worker',
    }),
    fallbackOperatorGroupId: config.FALLBACK_OPERATOR_GROUP_ID,
    // Our external ids are signed with it: an outbox proves it is our own echo with no I/O.
    externalIdKey: await resolveSecret(config, 'WEBHOOK_SECRET_KEY'),
  };
}
