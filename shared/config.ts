/**
 * Every environment variable the connector reads, read once and validated here.
 *
 * Things that differ per deployment (table, queues, URLs, keys) have no defaults: a function's
 * composition root asks for what it needs with `required(...)`, and a missing one stops the cold
 * start with a message that names the variable. Tunables (timeouts, rate limits) have documented
 * defaults. Keys may be given directly (local stack, tests) or as a Secrets Manager ARN (AWS).
 */
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
// zod/mini: the same validation at ~16 kB instead of ~450 kB, so even the webhook function
// (bundle budget 150 kB) reads its settings through this one module.
import * as z from 'zod/mini';
// zod/mini ships without messages; this loads the English locale (and only that one).
import './zod-en';
import { OUTBOUND_QUEUE } from './adapters/sqs/queue-definitions';

const optionalString = z.optional(z.string().check(z.trim(), z.minLength(1)));
const optionalUrl = z.optional(z.url());
const positiveInt = (fallback: number) =>
  z._default(z.coerce.number().check(z.int(), z.positive()), fallback);
const flag = z.pipe(
  z.optional(z.enum(['true', 'false', '1', '0', ''])),
  z.transform((v) => v === 'true' || v === '1'),
);

/** Webhook admission per channel and per instance; the deploy parameters default to the same. */
export const WEBHOOK_ADMISSION_DEFAULTS = { ratePerSecond: 10, burst: 50 } as const;

export const configSchema = z.object({
  TABLE_NAME: optionalString,
  INBOUND_QUEUE_URL: optionalString,
  /**
   * Every inbound shard's queue URL, comma-separated, in shard order (shard 0 = INBOUND_QUEUE_URL);
   * absent: one shard (shared/inbound/shards.ts, docs/DEPLOY.md "Inbound shards").
   */
  INBOUND_QUEUE_URLS: optionalString,
  OUTBOUND_QUEUE_URL: optionalString,
  /** Dead-letter queues: a record that can never succeed is moved there at once (worker, reply). */
  INBOUND_DLQ_URL: optionalString,
  OUTBOUND_DLQ_URL: optionalString,
  /** Base URL this deployment is reached at; webhook URLs are built from it. */
  PUBLIC_BASE_URL: optionalUrl,
  AGENT_API_URL: optionalUrl,
  AGENT_API_KEY: optionalString,
  AGENT_API_KEY_SECRET_ARN: optionalString,
  /** Server key of the webhook URL secrets (MAC over channel id + generation). */
  WEBHOOK_SECRET_KEY: optionalString,
  WEBHOOK_SECRET_KEY_SECRET_ARN: optionalString,
  /** Server key of the token-lock hash (HMAC over channel type + token). */
  TOKEN_HASH_KEY: optionalString,
  TOKEN_HASH_KEY_SECRET_ARN: optionalString,
  /** Local mode lets channels point at loopback/private addresses (the sandbox on 127.0.0.1). */
  LOCAL_MODE: flag,
  AGENT_TIMEOUT_MS: positiveInt(10_000),
  AGENT_MAX_ATTEMPTS: positiveInt(3),
  CHAT2DESK_TIMEOUT_MS: positiveInt(10_000),
  /**
   * Requests per second per Chat2Desk account (token), over all reply instances; the real limit is
   * unconfirmed, hence configurable.
   */
  CHAT2DESK_RATE_LIMIT_PER_SECOND: positiveInt(15),
  /** Added to each second of the account's schedule: network jitter, late timers, clock skew. */
  CHAT2DESK_RATE_LIMIT_SLACK_MS: z._default(z.coerce.number().check(z.int(), z.nonnegative()), 100),
  /** Longest wait for a send slot in one invocation; beyond, the record comes back later. */
  CHAT2DESK_RATE_LIMIT_MAX_WAIT_MS: positiveInt(20_000),
  /**
   * The schedule one claim takes while an account is busy with this reply instance alone (0: only
   * the slots of the sends waiting): several sends per schedule write (rate-limiter.ts, DEPLOY.md).
   */
  CHAT2DESK_RATE_LEASE_MS: z._default(z.coerce.number().check(z.int(), z.nonnegative(), z.lte(10_000)), 0),
  /**
   * The outbound queue's `maxReceiveCount` (its redrive policy): a throttled record waits briefly
   * for its slot only on its first receives, leaving full waits before the DLQ (rate-limiter.ts).
   */
  OUTBOUND_MAX_RECEIVE_COUNT: positiveInt(OUTBOUND_QUEUE.maxReceiveCount),
  CHANNEL_CACHE_TTL_MS: positiveInt(30_000),
  /** How many of one channel's conversations a reply batch sends to at once (the others wait their turn). */
  REPLY_MAX_CONVERSATIONS_PER_CHANNEL: positiveInt(3),
  /** How long dedup records live; at least Chat2Desk's whole retry horizon (~2 h) plus margin. */
  DEDUP_TTL_SECONDS: positiveInt(6 * 3600),
  /** When set, a client whose message the agent permanently failed on is handed to this group. */
  FALLBACK_OPERATOR_GROUP_ID: optionalString,
  /**
   * Webhook admission per channel and per function instance (token bucket, no I/O): the steady rate
   * and the burst; beyond, 429 with Retry-After (docs/DEPLOY.md, "Admission per channel").
   */
  WEBHOOK_CHANNEL_RATE_PER_SECOND: positiveInt(WEBHOOK_ADMISSION_DEFAULTS.ratePerSecond),
  WEBHOOK_CHANNEL_BURST: positiveInt(WEBHOOK_ADMISSION_DEFAULTS.burst),
  /** How long the reply function keeps an account's operators online and its tags (ms, at most 60 s). */
  HANDOFF_CACHE_MS: z._default(z.coerce.number().check(z.int(), z.positive(), z.lte(60_000)), 60_000),
});

export type Config = z.output<typeof configSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

let cached: Config | undefined;

/** Parses the environment once per process (per cold start). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  if (env === process.env && cached) return cached;
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid configuration: ${problems}`);
  }
  if (env === process.env) cached = parsed.data;
  return parsed.data;
}

/** Forget the parsed environment (tests and the local stack change it between runs). */
export function resetConfig(): void {
  cached = undefined;
}

type RequiredKey = {
  [K in keyof Config]-?: undefined extends Config[K] ? K : never;
}[keyof Config];

/** The value of a setting a function cannot run without; throws a clear message when it is missing. */
export function required<K extends RequiredKey>(config: Config, key: K): NonNullable<Config[K]> {
  const value = config[key];
  if (value === undefined || value === null || value === '') {
    throw new ConfigError(`Missing environment variable ${key}: set it in the function's environment`);
  }
  return value as NonNullable<Config[K]>;
}

type SecretName = 'AGENT_API_KEY' | 'WEBHOOK_SECRET_KEY' | 'TOKEN_HASH_KEY';

/**
 * A server key: from the variable itself, or from Secrets Manager when `<NAME>_SECRET_ARN` is set
 * (fetched once and cached by Powertools Parameters). Every function reads one on its first
 * invocation, so Parameters is imported statically: a dynamic import would be a chunk of its own in
 * the split bundles (infra/constructs/function-bundling.ts), loaded by that first invocation.
 */
export async function resolveSecret(config: Config, name: SecretName): Promise<string> {
  const direct = config[name];
  if (direct) return direct;
  const arn = config[`${name}_SECRET_ARN`];
  if (!arn) {
    throw new ConfigError(`Missing environment variable ${name} (or ${name}_SECRET_ARN)`);
  }
  const value = await getSecret(arn, { maxAge: 300 });
  if (typeof value !== 'string' || value.length === 0) {
    throw new ConfigError(`Secret ${name}_SECRET_ARN holds no string value`);
  }
  return value;
}

/** The inbound shards' queue URLs in shard order: INBOUND_QUEUE_URLS, else INBOUND_QUEUE_URL alone. */
export function inboundQueueUrls(config: Pick<Config, 'INBOUND_QUEUE_URL' | 'INBOUND_QUEUE_URLS'>): string[] {
  const listed = (config.INBOUND_QUEUE_URLS ?? '')
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url.length > 0);
  if (listed.length > 0) return listed;
  return config.INBOUND_QUEUE_URL ? [config.INBOUND_QUEUE_URL] : [];
}

/** The inbound shards' queue URLs; at least INBOUND_QUEUE_URL is required (a ConfigError otherwise). */
export function inboundShardUrls(config: Config): string[] {
  const urls = inboundQueueUrls(config);
  return urls.length > 0 ? urls : [required(config, 'INBOUND_QUEUE_URL')];
}
