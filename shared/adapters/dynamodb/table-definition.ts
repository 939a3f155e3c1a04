/**
 * The one table, defined once: the CDK stack, the local stack and the tests all build it from here.
 *
 * Single partition key `pk` (no sort key), so every record spreads over its own partition:
 * - `channel#<channelId>`            the channel (sparse GSI `byAgent` on agentId + createdAt)
 * - `tokenlock#<hmac(type+token)>`   exists while, and only while, a channel holding that token is active
 * - `idem#...`                       agent-call idempotency records (Powertools Idempotency)
 * - `mgmt#...`                       caller keys (`requestId`) of send/notify (Powertools Idempotency, 24 h)
 * - `calls#<eventId>`                written by versions before the one agent-call record; no longer (TTL)
 * - `sent#<replyId>`                 replies already sent (TTL)
 * - `echo#<channelId>#<messageId>`   Chat2Desk message ids of our own sends, to ignore their outbox echo (TTL)
 *                                    and find the reply of a refused message (`replyId`)
 * - `conv#<channelId>#<dialogId>`    a conversation (Chat2Desk dialog): links and its state (TTL)
 * - `req#<channelId>#<requestId>`    request → dialog link, and a close not yet applied (TTL)
 * - `cli#<channelId>#<clientId>`     client → dialog link (TTL)
 * - `intent#<channelId>#<clientId>#<digest>`  a send about to be made, to know its echo (TTL)
 * - `rate#<hmac(type+token)>`       a Chat2Desk account's send schedule, shared by every reply instance (TTL)
 */
export const TABLE_PARTITION_KEY = 'pk';
export const TTL_ATTRIBUTE = 'ttl';
export const BY_AGENT_INDEX = 'byAgent';
export const BY_AGENT_PARTITION_KEY = 'agentId';
export const BY_AGENT_SORT_KEY = 'createdAt';

export const keys = {
  channel: (channelId: string) => `channel#${channelId}`,
  tokenLock: (tokenHash: string) => `tokenlock#${tokenHash}`,
  sentReply: (replyId: string) => `sent#${replyId}`,
  ownMessage: (channelId: string, messageId: string) => `echo#${channelId}#${messageId}`,
  conversation: (channelId: string, dialogId: string) => `conv#${channelId}#${dialogId}`,
  requestLink: (channelId: string, requestId: string) => `req#${channelId}#${requestId}`,
  clientLink: (channelId: string, clientId: string) => `cli#${channelId}#${clientId}`,
  sendIntent: (channelId: string, clientId: string, digest: string) =>
    `intent#${channelId}#${clientId}#${digest}`,
  sendSchedule: (tokenHash: string) => `rate#${tokenHash}`,
  slotReservation: (recordId: string) => `${KEY_PREFIXES.slotReservation}${recordId}`,
} as const;

/** Prefix of the Powertools Idempotency keys, so they share the table without clashing. */
export const IDEMPOTENCY_KEY_PREFIX = 'idem';
/** Prefix of the send/notify caller-key records (Powertools Idempotency). */
export const CALLER_KEY_PREFIX = 'mgmt';

/**
 * The prefix of each kind of item's key, as `keys` and the other key builders (call counter,
 * idempotency) write it. The IAM policies grant writes by these (infra/stacks/stateless-stack.ts).
 */
export const KEY_PREFIXES = {
  channel: 'channel#',
  tokenLock: 'tokenlock#',
  idempotency: `${IDEMPOTENCY_KEY_PREFIX}#`,
  callCounter: 'calls#',
  sentReply: 'sent#',
  ownMessage: 'echo#',
  conversation: 'conv#',
  requestLink: 'req#',
  clientLink: 'cli#',
  sendIntent: 'intent#',
  sendSchedule: 'rate#',
  slotReservation: 'slots#',
} as const;

/** CreateTable input for DynamoDB Local and the tests (the CDK stack mirrors it in infra/). */
export function createTableInput(tableName: string) {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [
      { AttributeName: TABLE_PARTITION_KEY, AttributeType: 'S' as const },
      { AttributeName: BY_AGENT_PARTITION_KEY, AttributeType: 'S' as const },
      { AttributeName: BY_AGENT_SORT_KEY, AttributeType: 'S' as const },
    ],
    KeySchema: [{ AttributeName: TABLE_PARTITION_KEY, KeyType: 'HASH' as const }],
    GlobalSecondaryIndexes: [
      {
        IndexName: BY_AGENT_INDEX,
        KeySchema: [
          { AttributeName: BY_AGENT_PARTITION_KEY, KeyType: 'HASH' as const },
          { AttributeName: BY_AGENT_SORT_KEY, KeyType: 'RANGE' as const },
        ],
        Projection: { ProjectionType: 'ALL' as const },
      },
    ],
  };
}
