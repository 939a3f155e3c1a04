/**
 * One request to the agent platform's API: bearer key, time limit, no redirects. Network errors and
 * timeouts are retryable; what the answer means is decided by each client.
 */
import { PermanentError, RetryableError } from '../../errors';

export interface AgentApiRequest {
  fetchImpl: typeof fetch;
  url: string;
  method: 'GET' | 'POST';
  apiKey: string;
  timeoutMs: number;
  body?: unknown;
}

export async function callAgentApi(request: AgentApiRequest): Promise<{ response: Response; text: string }> {
  try {
    const response = await request.fetchImpl(request.url, {
      method: request.method,
      headers: {
        Authorization: `Bearer ${request.apiKey}`,
        Accept: 'application/json',
        ...(request.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      body: request.body !== undefined ? JSON.stringify(request.body) : undefined,
      signal: AbortSignal.timeout(request.timeoutMs),
      redirect: 'manual',
    });
    return { response, text: await response.text() };
  } catch (err) {
    // By name, not instanceof: fetch's DOMException may come from another realm.
    const name = typeof err === 'object' && err !== null ? (err as { name?: unknown }).name : undefined;
    const timedOut = name === 'TimeoutError' || name === 'AbortError';
    throw new RetryableError(
      timedOut ? 'AGENT_TIMEOUT' : 'AGENT_UNREACHABLE',
      timedOut ? `agent API timed out after ${request.timeoutMs} ms` : 'agent API could not be reached',
      { cause: err },
    );
  }
}

/** The answer's JSON; an answer that is not JSON is permanent (retrying returns the same). */
export function parseAgentJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new PermanentError('AGENT_INVALID_RESPONSE', 'agent API answered with something that is not JSON');
  }
}
