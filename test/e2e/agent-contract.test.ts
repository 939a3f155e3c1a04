/**
 * What the connector posts to the agent is what docs/contracts/agent-event.schema.json publishes:
 * a client's file reaches the agent with the type and size Chat2Desk reported, and the stack's
 * contract check (helpers.ts, run when the stack stops) would fail the suite on any field the
 * published schema does not allow.
 */
import type { LocalStack } from '../../infra/local/runtime/stack';
import { AGENT_EVENT_SCHEMA, contractViolations } from '../support/published-contracts';
import { makeTestToken } from '../support/tokens';
import { createActiveChannel, replyMatching, startTestStack } from './helpers';

let stack: LocalStack;

beforeAll(async () => {
  // `fileString` items carry the name, the MIME type and the size (reference §8).
  stack = await startTestStack('contract', { sandbox: { attachmentShape: 'fileString' } });
});
afterAll(async () => {
  await stack?.stop();
});

it("passes a client's file to the agent once, with its name, type and size", async () => {
  const token = makeTestToken('e2e-file');
  await createActiveChannel(stack.url, token);
  const sent = await fetch(`${stack.url}/sandbox/clients/89/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: token },
    body: JSON.stringify({
      transport: 'telegram',
      attachments: [
        {
          name: 'invoice.pdf',
          url: 'https://files.example.com/invoice.pdf',
          contentType: 'application/pdf',
          size: 5120,
        },
      ],
    }),
  });
  expect(sent.status).toBe(200);
  await replyMatching(stack.url, token, '89', 'You sent: invoice.pdf');

  const received = stack.agent.events.filter((e) => e.event.chatId === '89|chat2desk');
  expect(received).toHaveLength(1);
  expect(received[0]?.event.attachments).toEqual([
    {
      kind: 'pdf',
      url: 'https://files.example.com/invoice.pdf',
      name: 'invoice.pdf',
      mimeType: 'application/pdf',
      size: 5120,
    },
  ]);
  expect(contractViolations(AGENT_EVENT_SCHEMA, received[0]?.event)).toEqual([]);
  expect(stack.agent.refused).toEqual([]);
});

it('the published schema refuses a field it does not describe (the check can fail)', () => {
  const event = stack.agent.events[0]?.event;
  expect(event).toBeDefined();
  expect(contractViolations(AGENT_EVENT_SCHEMA, { ...event, colour: 'red' })).toEqual([
    expect.stringContaining('must NOT have additional properties'),
  ]);
});
