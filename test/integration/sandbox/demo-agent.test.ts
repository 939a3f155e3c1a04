/** The demo agent over real HTTP: trained check, commands, bearer key, the demo picture. */
import { startDemoAgentServer } from '../../../infra/local/demo-agent';
import type { AgentEvent } from '../../../shared/domain/agent-contract';
import { agentResponseSchema } from '../../../shared/domain/agent-contract';

type AgentServer = Awaited<ReturnType<typeof startDemoAgentServer>>;
let agent: AgentServer;
const KEY = 'demo-agent-key-123';

beforeAll(async () => {
  agent = await startDemoAgentServer({ apiKey: KEY });
});
afterAll(async () => {
  await agent.stop();
});

function event(clientMessage: string): AgentEvent {
  return {
    eventId: `e-${clientMessage}`,
    channel: { id: 'ch-1', type: 'chat2desk' },
    chatId: '42|chat2desk',
    clientMessage,
    attachments: [{ kind: 'image', url: 'https://files.example.com/a.png', name: 'a.png' }],
    location: { latitude: 55.75, longitude: 37.62 },
    variables: { channel_visitor_id: '42', channel_message_id: '100000001' },
  };
}

async function post(agentId: string, body: unknown, key = KEY) {
  const res = await fetch(`${agent.url}/agents/${agentId}/events`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function replies(text: string) {
  const res = await post('agent-1', event(text));
  expect(res.status).toBe(200);
  return agentResponseSchema.parse(res.body).replies;
}

it('is trained except for ids starting with "untrained"', async () => {
  const get = async (id: string) =>
    (await fetch(`${agent.url}/agents/${id}`, { headers: { Authorization: `Bearer ${KEY}` } })).json();
  expect(await get('a1')).toEqual({ id: 'a1', trained: true });
  expect(await get('untrained-7')).toEqual({ id: 'untrained-7', trained: false });
});

it('requires the bearer key', async () => {
  expect((await post('agent-1', event('hi'), 'wrong')).status).toBe(401);
  const noHeader = await fetch(`${agent.url}/agents/a1`);
  expect(noHeader.status).toBe(401);
});

it('echoes ordinary text and records the event', async () => {
  expect(await replies('hello there')).toEqual([{ type: 'text', text: 'You said: hello there' }]);
  expect(agent.agent.events.at(-1)).toEqual(
    expect.objectContaining({ agentId: 'agent-1', event: event('hello there') }),
  );
});

it('answers the demo commands', async () => {
  const vars = await replies('/vars');
  expect(vars).toHaveLength(1);
  const shown = JSON.parse((vars[0] as { text: string }).text);
  expect(shown).toEqual({
    variables: { channel_visitor_id: '42', channel_message_id: '100000001' },
    attachments: [{ kind: 'image', url: 'https://files.example.com/a.png', name: 'a.png' }],
    location: { latitude: 55.75, longitude: 37.62 },
  });

  const [buttons] = await replies('/buttons');
  expect(buttons).toEqual(expect.objectContaining({ type: 'text', buttons: expect.any(Array) }));
  expect((buttons as { buttons: unknown[] }).buttons).toHaveLength(3);

  const [image] = await replies('/image');
  expect(image).toEqual(expect.objectContaining({ type: 'file', mimeType: 'image/png' }));
  const png = await fetch((image as { url: string }).url);
  expect(png.headers.get('content-type')).toBe('image/png');
  expect(
    Buffer.from(await png.arrayBuffer())
      .subarray(0, 4)
      .toString('hex'),
  ).toBe('89504e47');

  const [long] = await replies('/long');
  expect((long as { text: string }).text).toHaveLength(5000);
  expect((long as { text: string }).text).toContain('\n\n');

  expect(await replies('/operator')).toEqual([{ type: 'transfer', text: expect.any(String) }]);
  expect(await replies('/operator group 501')).toEqual([
    expect.objectContaining({ type: 'transfer', groupId: '501' }),
  ]);
  expect(await replies('c2d: dialog closed')).toEqual([]);
});

it('rejects a malformed event with 400', async () => {
  const res = await post('agent-1', { clientMessage: 1 });
  expect(res.status).toBe(400);
  expect(res.body.error).toBe('invalid event');
});
