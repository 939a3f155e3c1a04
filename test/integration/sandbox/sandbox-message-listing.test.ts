/** `GET /v1/messages` of the sandbox under both `messageListing` switches. */
import { startSandboxServer } from '../../../infra/local/sandbox';
import { makeTestToken } from '../../support/tokens';
import { api } from './receiver';

type Server = Awaited<ReturnType<typeof startSandboxServer>>;

describe.each(['full', 'bare'] as const)('GET /v1/messages (messageListing: %s)', (messageListing) => {
  let server: Server;
  const token = makeTestToken();
  beforeAll(async () => {
    server = await startSandboxServer({ options: { messageListing } });
    await server.sandbox.clientMessage(token, '10', { text: 'from ten' });
    await server.sandbox.clientMessage(token, '11', { text: 'from eleven' });
    const sent = await api(server.apiUrl, token, 'POST', '/v1/messages', {
      client_id: 10,
      text: 'to ten',
      external_id: 'ours-1',
    });
    expect(sent.status).toBe(200);
  });
  afterAll(async () => {
    await server.stop();
  });

  const list = async (query: string) => {
    const res = await api(server.apiUrl, token, 'GET', `/v1/messages?${query}`);
    expect(res.status).toBe(200);
    return res.body.data as Record<string, unknown>[];
  };

  test('newest first with order=desc, at most `limit`; offset is ignored', async () => {
    const all = await list('order=desc&limit=200');
    expect(all.map((m) => m.text)).toEqual(['to ten', 'from eleven', 'from ten']);
    expect((await list('order=desc&limit=1&offset=1')).map((m) => m.text)).toEqual(['to ten']);
    expect((await list('limit=1')).map((m) => m.text)).toEqual(['from ten']);
  });

  test(
    messageListing === 'full'
      ? 'client_id filters, and items carry their external_id'
      : 'client_id is ignored, and items carry no external_id',
    async () => {
      const forTen = await list('client_id=10&order=desc');
      const ours = forTen.find((m) => m.text === 'to ten');
      if (messageListing === 'full') {
        expect(forTen.map((m) => m.client_id)).toEqual([10, 10]);
        expect(ours?.external_id).toBe('ours-1');
      } else {
        expect(forTen).toHaveLength(3);
        expect(ours).not.toHaveProperty('external_id');
      }
      expect(ours).toMatchObject({ type: 'to_client', client_id: 10 });
      expect(typeof ours?.created).toBe('string');
    },
  );
});
