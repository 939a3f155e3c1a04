/** One channel-management setup per test file: a fresh table, the Chat2Desk sandbox, an agent directory. */
import { GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  type CompositionOverrides,
  composeChannelDeps,
  composeChannelUseCases,
} from '../../../functions/channels/composition';
import { handleChannelCommand, type ManagementResult } from '../../../functions/channels/handler';
import { startSandboxServer } from '../../../infra/local/sandbox';
import { tokenLockHash } from '../../../shared/adapters/dynamodb/channel-store';
import { keys } from '../../../shared/adapters/dynamodb/table-definition';
import { createChannelUseCases } from '../../../shared/channels/channel-use-cases';
import type { ChannelUseCaseDeps } from '../../../shared/channels/ports';
import { loadConfig } from '../../../shared/config';
import { type AgentInfoServer, startAgentInfoServer } from '../../support/agent-info-server';
import { createTestTable, type TestTable, testDocumentClient, testDynamoClient } from '../../support/aws';

export const TOKEN_HASH_KEY = 'test-token-hash-key-0123456789';
export const PUBLIC_BASE_URL = 'https://connector.example.test';

export interface Harness {
  table: TestTable;
  sandbox: Awaited<ReturnType<typeof startSandboxServer>>;
  agent: AgentInfoServer;
  /** Every result returned, serialised, for the "no token in any response" assertion. */
  responses: string[];
  run(command: unknown): Promise<ManagementResult>;
  runWith(
    overrides: { localMode: boolean } & CompositionOverrides,
    command: unknown,
  ): Promise<ManagementResult>;
  /** Runs a command on the real ports as adapted by the test (e.g. a step between read and write). */
  runAdapted(
    adapt: (deps: ChannelUseCaseDeps) => ChannelUseCaseDeps,
    command: unknown,
  ): Promise<ManagementResult>;
  documentClient: DynamoDBDocumentClient;
  rawChannel(channelId: string): Promise<unknown>;
  lockOwner(token: string): Promise<string | undefined>;
  itemCount(): Promise<number>;
  stop(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const dynamo = testDynamoClient();
  const table = await createTestTable(dynamo);
  const sandbox = await startSandboxServer({ port: 0 });
  const agentKey = 'agent-key-for-tests-123';
  const agent = await startAgentInfoServer(agentKey);
  const env = (localMode: boolean) => ({
    TABLE_NAME: table.name,
    PUBLIC_BASE_URL,
    AGENT_API_URL: agent.url,
    AGENT_API_KEY: agentKey,
    WEBHOOK_SECRET_KEY: 'test-webhook-secret-key-0123456789',
    TOKEN_HASH_KEY,
    LOCAL_MODE: localMode ? 'true' : 'false',
    // Generous: 50 activations at once on a machine shared with other test runs must not time out
    // (no test here relies on a timeout).
    CHAT2DESK_TIMEOUT_MS: '10000',
    AGENT_TIMEOUT_MS: '10000',
  });
  const documentClient = testDocumentClient(dynamo);
  const useCases = await composeChannelUseCases(loadConfig(env(true)), { documentClient });
  const responses: string[] = [];
  const record = (result: ManagementResult) => {
    responses.push(JSON.stringify(result));
    return result;
  };
  return {
    table,
    sandbox,
    agent,
    responses,
    run: async (command) => record(await handleChannelCommand(command, useCases)),
    runWith: async ({ localMode, ...overrides }, command) => {
      const other = await composeChannelUseCases(loadConfig(env(localMode)), {
        documentClient,
        ...overrides,
      });
      return record(await handleChannelCommand(command, other));
    },
    runAdapted: async (adapt, command) => {
      const deps = adapt(await composeChannelDeps(loadConfig(env(true)), { documentClient }));
      return record(await handleChannelCommand(command, createChannelUseCases(deps)));
    },
    documentClient,
    rawChannel: async (channelId) =>
      (
        await dynamo.send(
          new GetItemCommand({
            TableName: table.name,
            Key: { pk: { S: keys.channel(channelId) } },
            ConsistentRead: true,
          }),
        )
      ).Item,
    lockOwner: async (token) => {
      const item = (
        await dynamo.send(
          new GetItemCommand({
            TableName: table.name,
            Key: { pk: { S: keys.tokenLock(tokenLockHash(TOKEN_HASH_KEY, token)) } },
            ConsistentRead: true,
          }),
        )
      ).Item;
      return item?.channelId?.S;
    },
    itemCount: async () => {
      let count = 0;
      let start: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
      do {
        const page = await dynamo.send(new ScanCommand({ TableName: table.name, ExclusiveStartKey: start }));
        count += page.Count ?? 0;
        start = page.LastEvaluatedKey;
      } while (start);
      return count;
    },
    stop: async () => {
      await sandbox.stop();
      await agent.stop();
      await table.drop();
    },
  };
}

/** Narrowing helpers: fail the test with the whole result when it is not what was expected. */
export function expectOk<T extends ManagementResult>(result: T): Extract<T, { ok: true }> {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  return result as Extract<T, { ok: true }>;
}

export function channelOf(result: ManagementResult) {
  const ok = expectOk(result);
  if (!('channel' in ok)) throw new Error(`expected a channel, got ${JSON.stringify(result)}`);
  return ok;
}

type CheckOutcome = { ok: boolean; reason?: string };
export function checksOf(
  result: ManagementResult,
): Record<'agentTrained' | 'tokenUnique' | 'addressReachable' | 'webhookRegistered', CheckOutcome> {
  const { activation } = channelOf(result);
  if (!activation) throw new Error(`expected an activation report, got ${JSON.stringify(result)}`);
  return Object.fromEntries(
    activation.checks.map((c) => [c.name, { ok: c.ok, ...(c.reason ? { reason: c.reason } : {}) }]),
  ) as ReturnType<typeof checksOf>;
}
