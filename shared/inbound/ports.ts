/**
 * What the worker's use case needs from the world, as ports. Adapters: the channel reader
 * (`shared/adapters/dynamodb/channel-item.ts`), the conversation store and own-message records
 * (`shared/adapters/dynamodb/conversation-store.ts`), the exactly-once agent call
 * (`shared/adapters/agent/agent-call-once.ts`), the outbound queue (its port is the reply's, in
 * `shared/outbound/ports.ts`; adapter `shared/adapters/sqs/outbound-queue.ts`).
 */
import type { ConversationStore, OwnMessages } from '../conversations/ports';
import type { AgentEvent, AgentResponse } from '../domain/agent-contract';
import type { Channel } from '../domain/channel';
import type { OutboundQueue } from '../outbound/ports';

export interface ChannelReader {
  /**
   * The channel, or undefined when there is none (deleted or never existed). `generation`: the
   * queued message's; a cached channel of an older one is read again.
   */
  get(channelId: string, options?: { generation?: number }): Promise<Channel | undefined>;
}

export interface AgentCallOptions {
  /**
   * Set when the record was moved back from the dead-letter queue (the id of that move): the
   * calls that ended without an answer are counted afresh for it, so a message dead-lettered for
   * an agent fault is tried again once the fault is fixed. Ordinary retries carry none.
   */
  redriveId?: string;
}

export interface AgentCaller {
  /** Calls the agent unless this event id was answered before; then returns the stored answer. */
  call(agentId: string, event: AgentEvent, options?: AgentCallOptions): Promise<AgentResponse>;
}

export interface InboundEventDeps {
  channels: ChannelReader;
  conversations: ConversationStore;
  ownMessages: OwnMessages;
  agent: AgentCaller;
  outbound: OutboundQueue;
  /** The server key (WEBHOOK_SECRET_KEY) our external ids are signed with: an echo proves it is ours. */
  externalIdKey: string;
  /** When set, a permanent agent failure hands the client to this Chat2Desk operator group. */
  fallbackOperatorGroupId?: string;
  now?: () => number;
}
