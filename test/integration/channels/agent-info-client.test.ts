import { createAgentInfoClient } from '../../../shared/adapters/agent/agent-info-client';
import { PermanentError, RetryableError } from '../../../shared/errors';
import { type AgentInfoServer, startAgentInfoServer } from '../../support/agent-info-server';

let server: AgentInfoServer;
beforeAll(async () => {
  server = await startAgentInfoServer('the-agent-key-123');
});
afterAll(async () => {
  await server.stop();
});

const client = (apiKey = 'the-agent-key-123', baseUrl = server.url) =>
  createAgentInfoClient({ baseUrl, apiKey, timeoutMs: 2000 });

it('reads trained and untrained agents with the bearer key', async () => {
  expect(await client().trainedStatus('agent-1')).toEqual({ trained: true });
  expect(await client().trainedStatus('untrained-1')).toEqual({
    trained: false,
    reason: 'notTrained',
    message: 'agent untrained-1 is not trained',
  });
  expect(server.requests.at(-1)).toEqual({ path: '/agents/untrained-1', authorized: true });
});

it('an unknown agent (404) is "not trained" with a reason', async () => {
  expect(await client().trainedStatus('unknown-9')).toMatchObject({ trained: false, reason: 'unknownAgent' });
});

it('a refused key is a permanent error; an unreachable platform a retryable one', async () => {
  await expect(client('wrong-key').trainedStatus('agent-1')).rejects.toBeInstanceOf(PermanentError);
  await expect(client('k', 'http://127.0.0.1:9').trainedStatus('agent-1')).rejects.toBeInstanceOf(
    RetryableError,
  );
});
