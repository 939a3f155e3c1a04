/**
 * Bodies of the messages on the inbound and outbound FIFO queues. Versioned so a deployment can
 * drain old messages while new code runs. Each schema is in a module of its own (the functions
 * import the one they read); this module gathers them.
 */

export { conversationGroupId } from './conversation-group';
export {
  type ConnectorEvent,
  connectorEventSchema,
  type InboundQueueMessage,
  inboundQueueMessageSchema,
} from './inbound-queue-message';
export { type OutboundQueueMessage, outboundQueueMessageSchema } from './outbound-queue-message';
export { type ReplyTarget, replyTargetSchema } from './reply-target';
