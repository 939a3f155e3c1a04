/**
 * A command that is valid JSON but not an object gets one plain answer, both as a Lambda payload
 * and through `POST /management` of the local stack: VALIDATION_FAILED, never a 5xx, nothing written.
 */
import type { Server } from 'node:http';
import { closeServer, listen } from '../../../infra/local/runtime/http-server';
import { type Harness, startHarness } from './harness';

const MESSAGE = 'send one management command as a JSON object';

let h: Harness;
let server: Server;
let managementUrl: string;
beforeAll(async () => {
  h = await startHarness();
  server = await listen(
    {
      region: 'us-east-1',
      isReady: () => true,
      management: {
        fn: { functionName: 'channels', timeoutMs: 10_000 },
        handler: (command) => h.run(command),
      },
    },
    0,
    '127.0.0.1',
  );
  const address = server.address();
  managementUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/management`;
});
afterAll(async () => {
  await closeServer(server);
  await h.stop();
});

// The JSON text of the payload, and the value a Lambda invocation hands the function.
const bodies: [string, unknown][] = [
  ['"create"', 'create'],
  ['null', null],
  ['[1]', [1]],
  ['42', 42],
  ['true', true],
  ['[{"action":"list","agentId":"a"}]', [{ action: 'list', agentId: 'a' }]],
];

it.each(bodies)(
  'Lambda payload %s → VALIDATION_FAILED with one plain message, nothing written',
  async (_json, payload) => {
    const before = await h.itemCount();
    const result = await h.run(payload);
    expect(result).toEqual({
      ok: false,
      error: {
        code: 'VALIDATION_FAILED',
        message: MESSAGE,
        details: { issues: [{ path: '', message: MESSAGE }] },
      },
    });
    expect(await h.itemCount()).toBe(before);
  },
);

it.each(bodies)(
  'POST /management with %s → 200 and VALIDATION_FAILED with the same message',
  async (json) => {
    const response = await fetch(managementUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: json,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED', message: MESSAGE },
    });
  },
);

it('a broken JSON object text still says it is not valid JSON', async () => {
  const result = await h.run('{"action":');
  expect(result).toMatchObject({
    ok: false,
    error: { code: 'VALIDATION_FAILED', details: { issues: [{ path: '', message: 'not valid JSON' }] } },
  });
});
