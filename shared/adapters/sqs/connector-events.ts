/**
 * Puts the events the connector raises for the agent (`c2d: no operators online`) on the inbound
 * FIFO queue, in the client's conversation group (after whatever the client said before), with a
 * dedup id of their own so a resend within SQS's window is dropped; the worker's exactly-once agent
 * call covers the rest. With inbound shards, on the channel's shard (where its client's messages are).
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { conversationGroupId } from '../../domain/conversation-group';
import type { InboundQueueMessage } from '../../domain/queue-messages';
import { inboundQueueUrlOf } from '../../inbound/shards';
import type { ConnectorEvents } from '../../outbound/ports';
import { sqsDeduplicationId } from './outbound-queue';

export function createConnectorEvents(options: {
  client: SQSClient;
  /** The inbound queue, or every inbound shard's queue in shard order. */
  queueUrl: string | readonly string[];
  now?: () => number;
}): ConnectorEvents {
  const now = options.now ?? Date.now;
  const shardUrls = typeof options.queueUrl === 'string' ? [options.queueUrl] : options.queueUrl;
  return {
    async noOperatorsOnline(event) {
      const message: InboundQueueMessage = {
        v: 1,
        channelId: event.channelId,
        generation: event.generation,
        receivedAt: new Date(now()).toISOString(),
        body: '{}',
        connectorEvent: {
          kind: 'noOperatorsOnline',
          replyId: event.replyId,
          target: event.target,
          ...(event.variables ? { variables: event.variables } : {}),
        },
      };
      await options.client.send(
        new SendMessageCommand({
          QueueUrl: inboundQueueUrlOf(event.channelId, shardUrls),
          MessageBody: JSON.stringify(message),
          MessageGroupId: sqsDeduplicationId(conversationGroupId(event.channelId, event.target.clientId)),
          MessageDeduplicationId: sqsDeduplicationId(`${event.channelId}:noOperatorsOnline:${event.replyId}`),
        }),
      );
    },
  };
}
