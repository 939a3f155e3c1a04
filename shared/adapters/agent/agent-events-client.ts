/**
 * Hands one inbound event to the agent: `POST {AGENT_API_URL}/agents/{agentId}/events` (DESIGN §4.2)
 * with a bearer key and a time limit per attempt.
 *
 * Network errors, 5xx and 429 are retried up to `maxAttempts` through the one retry module
 * (`shared/retry.ts`: full-jitter backoff, Retry-After honoured up to `maxDelayMs`, beyond it left
 * to SQS, no retry past the invocation's deadline); when they run out → `RetryableError` (SQS
 * redelivers the record). A timeout is not tried again in the same invocation: the agent is slow,
 * and the queue's visibility timeout is a better backoff than holding the conversation here. Any other 4xx, or
 * an answer that is not `{ replies: Reply[] }` → `PermanentError` (the record goes to its DLQ at once).
 */
import { type AgentEvent, type AgentResponse, agentResponseSchema } from '../../domain/agent-contract';
import { PermanentError, RetryableError } from '../../errors';
import { withRetries } from '../../retry';
import { parseRetryAfter } from '../http/retry-after';
import { callAgentApi, parseAgentJson } from './agent-http';

/** The invocation's time budget comes from the record's deadline (`shared/record-context.ts`). */
export interface SendEventOptions {
  /** Runs before every HTTP attempt; may throw to stop (the attempt cap across redeliveries). */
  beforeAttempt?: () => Promise<void>;
  /** Runs after an attempt that failed (before any retry), with its error. */
  afterFailure?: (err: unknown) => Promise<void>;
}

export interface AgentEventsClient {
  sendEvent(agentId: string, event: AgentEvent, options?: SendEventOptions): Promise<AgentResponse>;
}

export interface AgentEventsClientOptions {
  baseUrl: string;
  apiKey: string;
  /** Time limit of one attempt. */
  timeoutMs: number;
  /** Attempts in total (1 = no retry). */
  maxAttempts: number;
  /** First backoff step; doubles per attempt (full jitter). Default 200 ms. */
  baseDelayMs?: number;
  /** Longest single wait. Default 5 s. */
  maxDelayMs?: number;
  fetchImpl?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const MAX_RESPONSE_CHARS = 5_000_000;

export function createAgentEventsClient(options: AgentEventsClientOptions): AgentEventsClient {
  const fetchImpl = options.fetchImpl ?? fetch;
  const base = options.baseUrl.replace(/\/+$/, '');
  const maxDelayMs = options.maxDelayMs ?? 5_000;
  const maxTries = Math.max(1, options.maxAttempts);
  const rules = {
    baseDelayMs: options.baseDelayMs ?? 200,
    maxDelayMs,
    maxRetryAfterMs: maxDelayMs,
    maxTotalWaitMs: maxDelayMs * maxTries,
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.random ? { random: options.random } : {}),
    attemptMs: options.timeoutMs,
    decide: (err: unknown) =>
      err instanceof RetryableError && err.code !== 'AGENT_TIMEOUT'
        ? {
            kind: 'unavailable',
            maxTries,
            ...(err.retryAfterMs !== undefined ? { minDelayMs: err.retryAfterMs } : {}),
          }
        : undefined,
  };

  async function attempt(agentId: string, event: AgentEvent): Promise<AgentResponse> {
    const url = `${base}/agents/${encodeURIComponent(agentId)}/events`;
    const { response, text } = await callAgentApi({
      fetchImpl,
      url,
      method: 'POST',
      apiKey: options.apiKey,
      timeoutMs: options.timeoutMs,
      body: event,
    });
    if (response.status === 429 || response.status === 408 || response.status >= 500) {
      throw new RetryableError('AGENT_UNAVAILABLE', `agent API answered HTTP ${response.status}`, {
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
      });
    }
    if (response.status < 200 || response.status >= 300) {
      throw new PermanentError('AGENT_REJECTED', `agent API answered HTTP ${response.status}`);
    }
    if (text.length > MAX_RESPONSE_CHARS) {
      throw new PermanentError('AGENT_INVALID_RESPONSE', 'agent API answer is too large');
    }
    const body = parseAgentJson(text);
    const parsed = agentResponseSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new PermanentError(
        'AGENT_INVALID_RESPONSE',
        `agent API answer is not { replies: Reply[] } (${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'})`,
      );
    }
    return parsed.data;
  }

  return {
    sendEvent: (agentId, event, call = {}) =>
      withRetries(async () => {
        await call.beforeAttempt?.();
        try {
          return await attempt(agentId, event);
        } catch (err) {
          await call.afterFailure?.(err);
          throw err;
        }
      }, rules),
  };
}
