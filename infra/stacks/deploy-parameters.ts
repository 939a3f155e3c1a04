/**
 * Deployment parameters: CDK context (`-c name=value` or cdk.json) first, then an environment
 * variable of the same name in SCREAMING_CASE. Validated here so a wrong value stops the synth with
 * a message naming the parameter. See docs/DEPLOY.md.
 */
import { z } from 'zod';
import { DEFAULT_INBOUND_SHARDS, MAX_INBOUND_SHARDS } from '../../shared/adapters/sqs/queue-definitions';
import { WEBHOOK_ADMISSION_DEFAULTS } from '../../shared/config';

const ACCOUNT_ID = /^\d{12}$/;
const IAM_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(root|role\/.+|user\/.+)$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/;

/** The account of a principal: the id itself, or the account field of an IAM ARN. */
export function accountOf(principal: string): string {
  return ACCOUNT_ID.test(principal) ? principal : (principal.split(':')[4] ?? '');
}

const optional = z.string().trim().min(1).optional();

/**
 * Concurrent reply batches by default. The per-account rate limit is shared by every instance
 * (shared/outbound/rate-limiter.ts), so this bounds only the total rate over all accounts.
 */
export const DEFAULT_REPLY_MAX_CONCURRENCY = 50;

/**
 * The webhook API stage's throttle (every request, forged ones included; docs/DEPLOY.md, "Floods at
 * the webhook door"). HTTP APIs allow at most the account's regional quota (10,000 rps, burst 5,000).
 */
export const DEFAULT_API_THROTTLE = { rateLimit: 1000, burstLimit: 2000 } as const;

const INBOUND_SHARDS_MESSAGE = `inboundShards must be a whole number from 1 to ${MAX_INBOUND_SHARDS}`;

export const deployParametersSchema = z
  .object({
    /** Base URL of the agent platform's API (required). */
    agentApiUrl: z.url({ protocol: /^https$/, error: 'agentApiUrl must be an https URL' }),
    /** Who may invoke the channels function: an account id or an IAM role/user ARN (required). */
    platformPrincipal: z
      .string()
      .trim()
      .refine((v) => ACCOUNT_ID.test(v) || IAM_ARN.test(v), {
        message: 'platformPrincipal must be a 12-digit account id or an IAM role/user ARN',
      }),
    /**
     * Only this role (of platformPrincipal's account) may invoke the channels function: the resource
     * policy names the role instead of the whole account. Optional.
     */
    platformRoleArn: z
      .string()
      .trim()
      .regex(ROLE_ARN, 'platformRoleArn must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)')
      .optional(),
    /** The public base URL webhook URLs are built from; default: the HTTP API's own URL. */
    publicBaseUrl: z.url({ protocol: /^https$/ }).optional(),
    /** Custom domain of the webhook API (with certificateArn, a regional ACM certificate). */
    domainName: optional,
    certificateArn: optional,
    /** E-mail address subscribed to the alarms topic. */
    alarmEmail: z.email().optional(),
    /** Operator group a client is handed to when the agent fails permanently. */
    fallbackOperatorGroupId: optional,
    /** Prefix of physical names (queues); one deployment per prefix per account and region. */
    namePrefix: z
      .string()
      .regex(/^[a-zA-Z0-9-]{1,40}$/)
      .default('chat2desk-channel'),
    /** Powertools log level of the functions. */
    logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
    /**
     * Concurrent worker batches per inbound shard (agent calls in flight ≈ this × batch size × shards
     * at most).
     */
    workerMaxConcurrency: z.coerce.number().int().min(2).max(1000).default(10),
    /**
     * Inbound FIFO queues a channel's events are spread over by channel id, each with its own worker
     * event source (docs/DEPLOY.md, "Inbound shards").
     */
    inboundShards: z.coerce
      .number({ error: INBOUND_SHARDS_MESSAGE })
      .int({ error: INBOUND_SHARDS_MESSAGE })
      .min(1, { error: INBOUND_SHARDS_MESSAGE })
      .max(MAX_INBOUND_SHARDS, { error: INBOUND_SHARDS_MESSAGE })
      .default(DEFAULT_INBOUND_SHARDS),
    /** Concurrent reply batches (Lambda's SQS maximum concurrency, 2–1000). */
    replyMaxConcurrency: z.coerce.number().int().min(2).max(1000).default(DEFAULT_REPLY_MAX_CONCURRENCY),
    /** X-Ray active tracing of the functions: `off` (the default, no traces billed) or `active`. */
    tracing: z.enum(['off', 'active']).default('off'),
    /** With `tracing=active`: share of requests traced beyond the first each second (0..1). */
    tracingSampleRate: z.coerce.number().min(0).max(1).default(0.05),
    /** Steady requests per second of the webhook API stage (all channels and all senders). */
    apiRateLimit: z.coerce.number().int().min(1).max(10_000).default(DEFAULT_API_THROTTLE.rateLimit),
    /** Burst of the webhook API stage. */
    apiBurstLimit: z.coerce.number().int().min(1).max(5_000).default(DEFAULT_API_THROTTLE.burstLimit),
    /** Deliveries per second one channel is admitted at, per webhook function instance (429 beyond). */
    webhookChannelRatePerSecond: z.coerce
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(WEBHOOK_ADMISSION_DEFAULTS.ratePerSecond),
    /** Deliveries one channel may send at once, per webhook function instance. */
    webhookChannelBurst: z.coerce.number().int().min(1).max(10_000).default(WEBHOOK_ADMISSION_DEFAULTS.burst),
  })
  .refine((p) => (p.domainName === undefined) === (p.certificateArn === undefined), {
    message: 'domainName and certificateArn go together',
    path: ['certificateArn'],
  })
  .refine(
    (p) => p.platformRoleArn === undefined || accountOf(p.platformRoleArn) === accountOf(p.platformPrincipal),
    {
      message: "platformRoleArn must be a role of platformPrincipal's account",
      path: ['platformRoleArn'],
    },
  );

export type DeployParameters = z.infer<typeof deployParametersSchema>;

export const PARAMETER_NAMES = [
  'agentApiUrl',
  'platformPrincipal',
  'platformRoleArn',
  'publicBaseUrl',
  'domainName',
  'certificateArn',
  'alarmEmail',
  'fallbackOperatorGroupId',
  'namePrefix',
  'logLevel',
  'workerMaxConcurrency',
  'inboundShards',
  'replyMaxConcurrency',
  'tracing',
  'tracingSampleRate',
  'apiRateLimit',
  'apiBurstLimit',
  'webhookChannelRatePerSecond',
  'webhookChannelBurst',
] as const;

/** `agentApiUrl` → `AGENT_API_URL`. */
export function envNameOf(parameter: string): string {
  return parameter.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

export class DeployParameterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeployParameterError';
  }
}

export function readDeployParameters(
  context: (name: string) => unknown,
  env: NodeJS.ProcessEnv = process.env,
): DeployParameters {
  const raw: Record<string, unknown> = {};
  for (const name of PARAMETER_NAMES) {
    const value = context(name) ?? env[envNameOf(name)];
    if (value !== undefined && value !== '') raw[name] = value;
  }
  const parsed = deployParametersSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => {
        const name = String(i.path[0] ?? '');
        const problem =
          raw[name] === undefined && i.code === 'invalid_type' ? 'required, not given' : i.message;
        return `${name} (context -c ${name}=… or env ${envNameOf(name)}): ${problem}`;
      })
      .join('\n  ');
    throw new DeployParameterError(`Invalid deployment parameters:\n  ${problems}`);
  }
  return parsed.data;
}
