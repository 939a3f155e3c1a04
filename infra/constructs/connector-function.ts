/**
 * The one way a connector function is defined (STYLE habit 10): runtime, architecture, bundling,
 * log retention, tracing and Powertools settings are fixed here, and each `bind*` helper grants the
 * least privilege a function needs AND sets the environment variable that goes with it, so a grant
 * never exists without its variable (or the other way round).
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Duration, Fn, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import {
  ApplicationLogLevel,
  Architecture,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Config } from '../../shared/config';
import {
  aliasPaths,
  BUNDLE_BANNER,
  BUNDLE_EXTERNALS,
  BUNDLE_SETTINGS,
  FUNCTION_ENTRIES,
  FUNCTION_NODE_OPTIONS,
  type FunctionName,
  lazyModuleCommands,
  PROJECT_ROOT,
  splitBundleCommand,
} from './function-bundling';

/** The Powertools service name and metrics namespace every function reports under. */
export const SERVICE_NAME = 'chat2desk-channel';
export const METRICS_NAMESPACE = 'Chat2DeskChannel';

export type EnvName = keyof Config;
export type SecretName = 'WEBHOOK_SECRET_KEY' | 'TOKEN_HASH_KEY' | 'AGENT_API_KEY';
export type QueueUrlName =
  | 'INBOUND_QUEUE_URL'
  | 'OUTBOUND_QUEUE_URL'
  | 'INBOUND_DLQ_URL'
  | 'OUTBOUND_DLQ_URL';
/** A variable holding several queue URLs, comma-separated, in order (`inboundQueueUrls` in shared/config.ts). */
export type QueueUrlListName = 'INBOUND_QUEUE_URLS';

/** The queues' URLs, comma-separated, in order: one CloudFormation join (the URLs are tokens). */
export function queueUrlList(queues: readonly IQueue[]): string {
  return Fn.join(
    ',',
    queues.map((q) => q.queueUrl),
  );
}

/**
 * Item-level DynamoDB actions; TransactWriteItems is authorised per contained action, and so are
 * BatchGetItem and BatchWriteItem (each item against the statement's conditions).
 */
export const TABLE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem'] as const;
export const TABLE_WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:ConditionCheckItem',
] as const;

export interface TableBinding {
  table: ITable;
  /** The customer-managed key the table is encrypted with. */
  key: IKey;
}

export type TableWriteAction = (typeof TABLE_WRITE_ACTIONS)[number] | 'dynamodb:BatchWriteItem';

/**
 * Writes to some items only, with IAM's fine-grained access conditions: the partition key must start
 * with one of `keyPrefixes` (`dynamodb:LeadingKeys`) and, with `attributes`, a request may name no
 * other top-level attribute (`dynamodb:Attributes`, the key and the attributes of a condition
 * included) and return no whole item (`dynamodb:ReturnValues`, `dynamodb:Select`).
 */
export interface TableWrites {
  actions: readonly TableWriteAction[];
  /** Key prefixes (`channel#`, from `KEY_PREFIXES`); `*` is appended. */
  keyPrefixes: readonly string[];
  attributes?: readonly string[];
}

export interface TableAccess {
  /** Item access on the base table: `readWrite` = any item, else `read` plus `writes`. */
  items?: 'read' | 'readWrite';
  /** Restricted writes (with `items: 'read'`). */
  writes?: TableWrites;
  /** Query one global secondary index (e.g. list channels by agent). */
  queryIndex?: string;
  /** Scan one global secondary index (a sparse index holding only the items wanted). */
  scanIndex?: string;
}

export interface QueueBinding {
  queue: IQueue;
  /** The key the queue is encrypted with. */
  key: IKey;
}

export interface ConnectorFunctionProps {
  name: FunctionName;
  description: string;
  memorySize: number;
  timeout: Duration;
  logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  logRetention: RetentionDays;
  /** X-Ray active tracing (the deploy parameter `tracing`). */
  tracing: 'off' | 'active';
  /** Plain (non-secret) settings; keys are names of `shared/config.ts`. */
  environment?: Partial<Record<EnvName, string>>;
}

/**
 * The function's entry file. A template-only synthesis (bundling skipped, as in the infra tests)
 * does not need the code, so a function still being written does not block it; a real synthesis
 * fails with "Cannot find entry file" instead.
 */
function entryFile(scope: Construct, name: FunctionName): string {
  const entry = join(PROJECT_ROOT, FUNCTION_ENTRIES[name]);
  if (existsSync(entry) || Stack.of(scope).bundlingRequired) return entry;
  return join(__dirname, 'template-only-entry.ts');
}

/** The IAM conditions of restricted table writes (AWS: "Using IAM policy conditions for fine-grained access control"). */
export function tableWriteConditions(writes: TableWrites): Record<string, Record<string, unknown>> {
  const forAll: Record<string, string[]> = {
    'dynamodb:LeadingKeys': writes.keyPrefixes.map((prefix) => `${prefix}*`),
  };
  if (!writes.attributes) return { 'ForAllValues:StringLike': forAll };
  forAll['dynamodb:Attributes'] = [...writes.attributes];
  return {
    'ForAllValues:StringLike': forAll,
    // A write limited to some attributes must not return others (ALL_OLD / ALL_NEW).
    StringEqualsIfExists: {
      'dynamodb:Select': 'SPECIFIC_ATTRIBUTES',
      'dynamodb:ReturnValues': ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'],
    },
  };
}

export class ConnectorFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: IRole;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ConnectorFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention });
    // An own role with an inline policy per function: no managed policies, nothing shared.
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${props.name} function of the Chat2Desk channel`,
    });
    this.role = role;
    this.logGroup.grantWrite(role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: entryFile(this, props.name),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role,
      logGroup: this.logGroup,
      // JSON lines as the functions write them (Powertools), the level filter applied by Lambda
      // too, and the platform's own lines (START/END/REPORT) only from WARN: logs are billed by
      // the byte, and duration and memory are in the Lambda metrics anyway.
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel[props.logLevel],
      systemLogLevelV2: SystemLogLevel.WARN,
      tracing: props.tracing === 'active' ? Tracing.ACTIVE : Tracing.DISABLED,
      bundling: {
        minify: BUNDLE_SETTINGS.minify,
        sourceMap: BUNDLE_SETTINGS.sourceMap,
        sourcesContent: BUNDLE_SETTINGS.sourcesContent,
        target: BUNDLE_SETTINGS.target,
        format: BUNDLE_SETTINGS.format === 'esm' ? OutputFormat.ESM : OutputFormat.CJS,
        mainFields: [...BUNDLE_SETTINGS.mainFields],
        ...(BUNDLE_BANNER ? { banner: BUNDLE_BANNER } : {}),
        bundleAwsSDK: BUNDLE_SETTINGS.bundleAwsSDK,
        externalModules: [...BUNDLE_EXTERNALS],
        esbuildArgs: {
          '--alias': Object.entries(aliasPaths()).map(([module, file]) => `${module}=${file}`),
        },
        // The bundle split into chunks loaded on first use, and the lazy modules' own files, next
        // to the bundle (function-bundling.ts).
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir: string, outputDir: string) => [
            ...splitBundleCommand(FUNCTION_ENTRIES[props.name], outputDir),
            ...lazyModuleCommands(outputDir),
          ],
        },
      },
      environment: {
        NODE_OPTIONS: FUNCTION_NODE_OPTIONS,
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: props.logLevel,
        ...(props.environment as Record<string, string> | undefined),
      },
    });

    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions::AwsSolutions-L1',
      reason:
        'Node 22 is the runtime the toolchain is verified for (code built for node20, tested on Node 20); Node 24 is a planned upgrade',
    });
    // X-Ray's write actions have no resource-level permissions: '*' is the only possible resource.
    if (props.tracing === 'active') {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions',
      });
    }
  }

  /** A plain setting (not a secret, not a resource). */
  setEnvironment(name: EnvName, value: string): this {
    this.function.addEnvironment(name, value);
    return this;
  }

  /** Table access with only the actions asked for; sets TABLE_NAME. */
  bindTable({ table, key }: TableBinding, access: TableAccess): this {
    const itemActions =
      access.items === 'readWrite'
        ? [...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS]
        : access.items === 'read'
          ? [...TABLE_READ_ACTIONS]
          : [];
    if (itemActions.length > 0) {
      this.allow(itemActions, [table.tableArn]);
    }
    const { writes } = access;
    if (writes) {
      this.function.addToRolePolicy(
        new PolicyStatement({
          actions: [...writes.actions],
          resources: [table.tableArn],
          conditions: tableWriteConditions(writes),
        }),
      );
    }
    if (access.queryIndex) {
      this.allow(['dynamodb:Query'], [`${table.tableArn}/index/${access.queryIndex}`]);
    }
    if (access.scanIndex) {
      this.allow(['dynamodb:Scan'], [`${table.tableArn}/index/${access.scanIndex}`]);
    }
    // DynamoDB calls KMS on the caller's behalf: decrypt to read, encrypt/generate to write.
    this.allow(
      access.items === 'readWrite' || writes
        ? ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']
        : ['kms:Decrypt'],
      [key.keyArn],
    );
    return this.setEnvironment('TABLE_NAME', table.tableName);
  }

  /** SendMessage to one queue (nothing else on it); sets the queue's URL variable. */
  bindQueueSend({ queue, key }: QueueBinding, envName: QueueUrlName): this {
    this.allow(['sqs:SendMessage'], [queue.queueArn]);
    this.allow(['kms:GenerateDataKey', 'kms:Decrypt'], [key.keyArn]);
    return this.setEnvironment(envName, queue.queueUrl);
  }

  /**
   * SendMessage to each of the queues (the inbound shards; nothing else on them); sets `envName` to
   * the first queue's URL and `listEnvName` to every URL, comma-separated, in order.
   */
  bindQueuesSend(
    bindings: readonly QueueBinding[],
    envName: QueueUrlName,
    listEnvName: QueueUrlListName,
  ): this {
    const [first] = bindings;
    if (!first) throw new Error(`${envName}: no queue to send to`);
    this.allow(
      ['sqs:SendMessage'],
      bindings.map((b) => b.queue.queueArn),
    );
    this.allow(['kms:GenerateDataKey', 'kms:Decrypt'], [...new Set(bindings.map((b) => b.key.keyArn))]);
    this.setEnvironment(envName, first.queue.queueUrl);
    return this.setEnvironment(listEnvName, queueUrlList(bindings.map((b) => b.queue)));
  }

  /**
   * Consumes a FIFO queue with partial batch responses. The event source grants the receive/delete
   * actions on that queue (and decrypt on its key) to this function's role only.
   */
  bindQueueConsume(binding: QueueBinding, options: { batchSize: number; maxConcurrency: number }): this {
    this.function.addEventSource(
      new SqsEventSource(binding.queue, {
        batchSize: options.batchSize,
        maxConcurrency: options.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
    return this;
  }

  /**
   * Consumes each of the queues (the inbound shards) through its own event source, each with these
   * options: `maxConcurrency` holds per queue, so the function's concurrency is at most
   * `maxConcurrency` × queues.
   */
  bindQueuesConsume(
    bindings: readonly QueueBinding[],
    options: { batchSize: number; maxConcurrency: number },
  ): this {
    for (const binding of bindings) this.bindQueueConsume(binding, options);
    return this;
  }

  /** Read one secret (GetSecretValue only); sets `<NAME>_SECRET_ARN`. */
  bindSecret(secret: ISecret, name: SecretName): this {
    this.allow(['secretsmanager:GetSecretValue'], [secret.secretArn]);
    if (secret.encryptionKey) this.allow(['kms:Decrypt'], [secret.encryptionKey.keyArn]);
    return this.setEnvironment(`${name}_SECRET_ARN`, secret.secretArn);
  }

  private allow(actions: string[], resources: string[]): void {
    this.function.addToRolePolicy(new PolicyStatement({ actions, resources }));
  }
}
