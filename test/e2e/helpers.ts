/** What the e2e tests do the way a user does: management commands, sandbox hooks, waiting. */

import { SQSClient } from '@aws-sdk/client-sqs';
import {
  type LocalRuntimeMode,
  type LocalStack,
  type LocalStackOptions,
  runtimeModeFromEnv,
  startLocalStack,
} from '../../infra/local/runtime/stack';
import {
  AGENT_EVENT_SCHEMA,
  assertConforms,
  contractViolations,
  MANAGEMENT_RESULT_SCHEMA,
} from '../support/published-contracts';
import { queueDepth } from '../support/queues';

/**
 * Where the e2e tests run the functions: in jest's process by default (a worker thread per
 * function per stack costs ~40 s of CPU over the suite; docs/LOCAL.md), in threads with
 * LOCAL_RUNTIME=threads. deployed-bundles.test.ts and `npm start` always use threads.
 */
export const E2E_RUNTIME: LocalRuntimeMode = runtimeModeFromEnv(process.env.LOCAL_RUNTIME) ?? 'in-process';

import type { TranscriptEntry } from '../../infra/local/sandbox/types';

export async function manage(baseUrl: string, command: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${baseUrl}/management`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(command),
  });
  if (response.status !== 200) throw new Error(`/management answered ${response.status}`);
  const result = (await response.json()) as Record<string, unknown>;
  assertConforms(MANAGEMENT_RESULT_SCHEMA, result, 'a management result');
  return result;
}

/**
 * Every agent event the stack's demo agent received or refused, checked against the published
 * agent-event schema when the stack stops: a field the connector sends and the contract does not
 * allow fails the suite (in its afterAll), even where the test itself did not look at events.
 */
export function checkingAgentContract(stack: LocalStack): LocalStack {
  const stop = stack.stop.bind(stack);
  stack.stop = async () => {
    const violations = [
      ...stack.agent.refused.map(
        (r) =>
          `the demo agent refused an event: ${r.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      ),
      ...stack.agent.events.flatMap(({ event }) => contractViolations(AGENT_EVENT_SCHEMA, event)),
    ];
    await stop();
    if (violations.length > 0) {
      throw new Error(`agent events broke the published contract:\n  ${violations.join('\n  ')}`);
    }
  };
  return stack;
}

export async function createActiveChannel(
  baseUrl: string,
  token: string,
  agentId = 'demo',
): Promise<{ id: string; webhookUrl: string; result: Record<string, unknown> }> {
  const result = await manage(baseUrl, {
    action: 'create',
    agentId,
    activate: true,
    channel: { name: 'E2E', apiUrl: `${baseUrl}/sandbox`, token },
  });
  const channel = result.channel as { id: string; status: string; webhookUrl: string } | undefined;
  if (result.ok !== true || !channel || channel.status !== 'active') {
    // The token is masked in every result; printing the result is safe.
    throw new Error(`the channel was not activated: ${JSON.stringify(result)}`);
  }
  return { id: channel.id, webhookUrl: channel.webhookUrl, result };
}

export async function clientSays(
  baseUrl: string,
  token: string,
  clientId: string,
  message: { text?: string; transport?: string },
): Promise<{ messageId: string; dialogId: string }> {
  const response = await fetch(`${baseUrl}/sandbox/clients/${clientId}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: token },
    body: JSON.stringify(message),
  });
  if (response.status !== 200) throw new Error(`the sandbox answered ${response.status}`);
  return (await response.json()) as { messageId: string; dialogId: string };
}

/** A call of the sandbox's API or hooks as the account `token`; the test fails unless it answers 200. */
export async function sandboxCall(
  baseUrl: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<void> {
  const response = await fetch(`${baseUrl}/sandbox${path}`, {
    method,
    headers: { authorization: token, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect([path, response.status]).toEqual([path, 200]);
}

export async function transcript(
  baseUrl: string,
  token: string,
  clientId: string,
): Promise<TranscriptEntry[]> {
  const response = await fetch(`${baseUrl}/sandbox/clients/${clientId}/messages`, {
    headers: { authorization: token },
  });
  if (response.status !== 200) throw new Error(`the sandbox answered ${response.status}`);
  return (await response.json()) as TranscriptEntry[];
}

/** Polls until `find` returns something; gives up after `timeoutMs` (a failing test must end). */
export async function eventually<T>(find: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`nothing found within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The first message to the client whose text matches. */
export function replyMatching(baseUrl: string, token: string, clientId: string, text: string | RegExp) {
  return eventually(async () =>
    (await transcript(baseUrl, token, clientId)).find(
      (m) =>
        m.direction === 'out' &&
        m.text !== null &&
        (typeof text === 'string' ? m.text.includes(text) : text.test(m.text)),
    ),
  );
}

/**
 * Resolves once the pipeline is quiet: no webhook delivery pending, both queues empty (nothing
 * visible or in flight) and no batch being handled, seen twice in a row.
 */
export async function settled(stack: LocalStack): Promise<void> {
  const sqs = new SQSClient({
    region: process.env.AWS_REGION ?? 'us-east-1',
    endpoint: stack.sqsEndpoint,
    useQueueUrlAsEndpoint: false,
  });
  const depth = (url: string) => queueDepth(sqs, url);
  const deadline = Date.now() + 30_000;
  try {
    let quiet = 0;
    while (quiet < 2) {
      if (Date.now() > deadline) throw new Error('the pipeline did not settle within 30 s');
      await stack.sandbox.idle(30_000);
      const idle =
        stack.pollers.inboundShards.every((poller) => poller.inFlight() === 0) &&
        stack.pollers.outbound.inFlight() === 0 &&
        (await depth(stack.queues.inbound.url)) === 0 &&
        (await depth(stack.queues.outbound.url)) === 0;
      quiet = idle ? quiet + 1 : 0;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    sqs.destroy();
  }
}

/** The local stack on a free port, in memory, on the test run's emulators (jest cannot load fauxqs itself). */
export async function startTestStack(prefix: string, options: LocalStackOptions = {}): Promise<LocalStack> {
  const stack = await startLocalStack({
    port: 0,
    inMemory: true,
    quiet: true,
    runtime: E2E_RUNTIME,
    prefix: `${prefix}-${process.pid}`,
    emulators: {
      dynamodbEndpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB!,
      sqsEndpoint: process.env.AWS_ENDPOINT_URL_SQS!,
    },
    report: () => undefined,
    ...options,
  });
  return checkingAgentContract(stack);
}
