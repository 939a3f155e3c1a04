/**
 * The platform's agent directory: `GET {AGENT_API_URL}/agents/{agentId}` → `{ id, trained }`
 * (DESIGN §4.2), the "agent is trained" activation check. Bearer key, time limit, zod.
 */
import { agentInfoSchema } from '../../domain/agent-info';
import { PermanentError, RetryableError } from '../../errors';
import { callAgentApi, parseAgentJson } from './agent-http';

export type AgentTrainedStatus =
  | { trained: true }
  | { trained: false; reason: 'notTrained' | 'unknownAgent'; message: string };

export interface AgentInfoClient {
  /** Whether the agent is trained. Throws `RetryableError` when the platform cannot be asked now. */
  trainedStatus(agentId: string): Promise<AgentTrainedStatus>;
}

export interface AgentInfoClientOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  fetchImpl?: typeof fetch;
}

export function createAgentInfoClient(options: AgentInfoClientOptions): AgentInfoClient {
  const fetchImpl = options.fetchImpl ?? fetch;
  const base = options.baseUrl.replace(/\/+$/, '');
  return {
    async trainedStatus(agentId) {
      const url = `${base}/agents/${encodeURIComponent(agentId)}`;
      const { response, text } = await callAgentApi({
        fetchImpl,
        url,
        method: 'GET',
        apiKey: options.apiKey,
        timeoutMs: options.timeoutMs,
      });
      if (response.status === 404) {
        return {
          trained: false,
          reason: 'unknownAgent',
          message: `agent ${agentId} is unknown to the platform`,
        };
      }
      if (response.status === 429 || response.status >= 500) {
        throw new RetryableError('AGENT_UNAVAILABLE', `agent API answered HTTP ${response.status}`);
      }
      if (!response.ok) {
        throw new PermanentError('AGENT_REJECTED', `agent API answered HTTP ${response.status}`);
      }
      const body = parseAgentJson(text);
      const parsed = agentInfoSchema.safeParse(body);
      if (!parsed.success) {
        throw new PermanentError('AGENT_INVALID_RESPONSE', 'agent API answer has no boolean "trained"');
      }
      return parsed.data.trained
        ? { trained: true }
        : { trained: false, reason: 'notTrained', message: `agent ${agentId} is not trained` };
    },
  };
}
