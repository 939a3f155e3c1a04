/**
 * Reads a channel's Chat2Desk token to check a webhook signature, with a short per-process cache.
 *
 * Why not `createChannelReader`: that reader fetches the whole item and validates it against the
 * channel schemas, while the webhook needs only the token and has the tightest bundle budget
 * (150 kB). This reads the same item (`channel#<id>`, projection: token) with plain checks. Only
 * requests that carry a signature pay for the lookup.
 */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../shared/adapters/dynamodb/table-definition';
import { registerSecret } from '../../shared/redaction';

export interface SigningTokenReader {
  /** The channel's token, or undefined when the channel does not exist. */
  tokenOf(channelId: string): Promise<string | undefined>;
}

export function createSigningTokenReader(options: {
  client: DynamoDBDocumentClient;
  tableName: string;
  cacheTtlMs: number;
  now?: () => number;
}): SigningTokenReader {
  const now = options.now ?? Date.now;
  const cache = new Map<string, { at: number; token: string | undefined }>();
  const MAX_ENTRIES = 1000;
  return {
    async tokenOf(channelId) {
      const hit = cache.get(channelId);
      if (hit && now() - hit.at < options.cacheTtlMs) return hit.token;
      const result = await options.client.send(
        new GetCommand({
          TableName: options.tableName,
          Key: { pk: keys.channel(channelId) },
          ProjectionExpression: '#token',
          ExpressionAttributeNames: { '#token': 'token' },
        }),
      );
      const raw = result.Item?.token;
      const token = typeof raw === 'string' && raw.length > 0 ? raw : undefined;
      registerSecret(token);
      if (options.cacheTtlMs > 0) {
        if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
        cache.set(channelId, { at: now(), token });
      }
      return token;
    },
  };
}
