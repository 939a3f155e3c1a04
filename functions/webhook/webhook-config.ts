/**
 * The webhook function's settings, validated with `zod/mini`.
 *
 * Why not `shared/config.ts`: it is built on classic zod (~450 kB minified), three times the
 * webhook bundle budget (150 kB). This reads the same variables with the same names and meanings
 * (see shared/config.ts) and nothing else.
 */
import * as z from 'zod/mini';

const text = z.optional(z.string().check(z.trim(), z.minLength(1)));

const webhookConfigSchema = z.object({
  TABLE_NAME: z.string().check(z.trim(), z.minLength(1)),
  INBOUND_QUEUE_URL: z.string().check(z.trim(), z.minLength(1)),
  WEBHOOK_SECRET_KEY: text,
  WEBHOOK_SECRET_KEY_SECRET_ARN: text,
  CHANNEL_CACHE_TTL_MS: z._default(z.coerce.number().check(z.int(), z.positive()), 30_000),
});

/** Same meaning as shared/config.ts's ConfigError (not imported: that module pulls in zod). */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export type WebhookConfig = z.infer<typeof webhookConfigSchema>;

export function loadWebhookConfig(env: NodeJS.ProcessEnv = process.env): WebhookConfig {
  const parsed = webhookConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid configuration: ${problems}`);
  }
  if (!parsed.data.WEBHOOK_SECRET_KEY && !parsed.data.WEBHOOK_SECRET_KEY_SECRET_ARN) {
    throw new ConfigError(
      'Missing environment variable WEBHOOK_SECRET_KEY (or WEBHOOK_SECRET_KEY_SECRET_ARN)',
    );
  }
  return parsed.data;
}

/** The webhook URL key: given directly, or fetched once from Secrets Manager (cached 5 min). */
export async function resolveWebhookSecretKey(config: WebhookConfig): Promise<string> {
  if (config.WEBHOOK_SECRET_KEY) return config.WEBHOOK_SECRET_KEY;
  const { getSecret } = await import('@aws-lambda-powertools/parameters/secrets');
  const value = await getSecret(config.WEBHOOK_SECRET_KEY_SECRET_ARN!, { maxAge: 300 });
  if (typeof value !== 'string' || value.length === 0) {
    throw new ConfigError('Secret WEBHOOK_SECRET_KEY_SECRET_ARN holds no string value');
  }
  return value;
}
