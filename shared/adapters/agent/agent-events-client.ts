/**
 * Hands one inbound event to the agent: `POST {AGENT_API_URL}/agents/{agentId}/events` (DESIGN §4.2)
 * with a bearer key and a time limit per attempt.
 *
 * Network errors, timeouts, 5xx and 429 are retried up to `maxAttempts` with exponential backoff
 * and full jitter (Retry-After honoured, capped); when they run out → `RetryableError` (SQS
 * redelivers the record). Any other 4xx, or an answer that is not `{ replies: Reply[] }` →
 * `PermanentError` (the record goes to the DLQ).
 */
import { type AgentEvent, type AgentResponse, agentResponseSchema } from '../../domain/agent-contract';
import { PermanentError, RetryableError } from '../../errors';
import { parseRetryAfter } from '../http/retry-after';
import { callAgentApi, parseAgentJson } from './agent-http';

export interface AgentEventsClient {
  sendEvent(agentId: string, event: AgentEvent): Promise<AgentResponse>;
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

/** Full-jitter exponential backoff: uniform in [0, min(cap, base·2^(attempt-1))]. */
export function backoffDelay(attempt: number, baseMs: number, capMs: number, random: () => number): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** (attempt - 1)));
}

export function createAgentEventsClient(options: AgentEventsClientOptions): AgentEventsClient {
  const fetchImpl = options.fetchImpl ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = options.random ?? Math.random;
  const base = options.baseUrl.replace(/\/+$/, '');
  const baseDelay = options.baseDelayMs ?? 200;
  const maxDelay = options.maxDelayMs ?? 5_000;
  const attempts = Math.max(1, options.maxAttempts);

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
    async sendEvent(agentId, event) {
      for (let n = 1; ; n += 1) {
        try {
          return await attempt(agentId, event);
        } catch (err) {
          if (!(err instanceof RetryableError) || n >= attempts) throw err;
          const jittered = backoffDelay(n, baseDelay, maxDelay, random);
          await sleep(Math.min(maxDelay, Math.max(jittered, err.retryAfterMs ?? 0)));
        }
      }
    },
  };
}
