/**
 * `OncePerCallerKey` with Powertools Idempotency on the one table (records `mgmt#<hash of channel
 * id + requestId>`, TTL attribute `ttl`): the record is written "in progress" with a condition
 * before the command runs, so of two concurrent duplicates only one runs; the result is stored
 * with the record; the command (without its key) is hashed and checked on every repeat.
 *
 * Imported on the first command with a `requestId` (caller-key-once.ts): in the channels bundle,
 * Idempotency and JMESPath are a chunk of their own, not parsed at every cold start.
 */
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type CallerKey,
  type OncePerCallerKey,
  REQUEST_ID_REUSED_MESSAGE,
  RequestInProgressError,
} from '../../channels/caller-key';
import { ConnectorError, ValidationError } from '../../errors';
import { CALLER_KEY_PREFIX, TABLE_PARTITION_KEY, TTL_ATTRIBUTE } from './table-definition';

export interface CallerKeyOnceOptions {
  dynamoDb: DynamoDBClient;
  tableName: string;
  ttlSeconds: number;
}

interface KeyedCommand {
  channelId: string;
  requestId: string;
  command: unknown;
}

export function createPowertoolsCallerKeyOnce(options: CallerKeyOnceOptions): OncePerCallerKey {
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: options.tableName,
    keyAttr: TABLE_PARTITION_KEY,
    expiryAttr: TTL_ATTRIBUTE,
    awsSdkV3Client: options.dynamoDb,
  });
  const config = new IdempotencyConfig({
    // Keys are per channel: the same requestId on two channels is two commands.
    eventKeyJmesPath: '[channelId, requestId]',
    payloadValidationJmesPath: 'command',
    expiresAfterSeconds: options.ttlSeconds,
    throwOnNoIdempotencyKey: true,
  });
  const once = makeIdempotent((_keyed: KeyedCommand, run: () => Promise<unknown>) => run(), {
    persistenceStore,
    config,
    keyPrefix: CALLER_KEY_PREFIX,
  });
  return {
    async run<T>(key: CallerKey, command: unknown, run: () => Promise<T>): Promise<T> {
      try {
        return (await once({ channelId: key.channelId, requestId: key.requestId, command }, run)) as T;
      } catch (err) {
        if (err instanceof ConnectorError) throw err;
        const name = err instanceof Error ? err.name : '';
        if (name === 'IdempotencyValidationError') {
          throw new ValidationError(REQUEST_ID_REUSED_MESSAGE, [
            { path: 'requestId', message: REQUEST_ID_REUSED_MESSAGE },
          ]);
        }
        if (name === 'IdempotencyAlreadyInProgressError') throw new RequestInProgressError();
        throw err;
      }
    },
    registerContext(context) {
      config.registerLambdaContext(context);
    },
  };
}
