/**
 * A tiny real agent directory for tests: GET /agents/:id → { id, trained } (ids starting with
 * "untrained" are not trained, ids starting with "unknown" answer 404). Requires the bearer key.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AgentInfoServer {
  url: string;
  requests: { path: string; authorized: boolean }[];
  stop(): Promise<void>;
}

export async function startAgentInfoServer(apiKey: string): Promise<AgentInfoServer> {
  const requests: AgentInfoServer['requests'] = [];
  const server = createServer((req, res) => {
    const authorized = req.headers.authorization === `Bearer ${apiKey}`;
    const path = req.url ?? '';
    requests.push({ path, authorized });
    const match = /^\/agents\/([^/?]+)$/.exec(path);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (!authorized) return send(401, { message: 'unauthorized' });
    if (req.method !== 'GET' || !match) return send(404, { message: 'not found' });
    const id = decodeURIComponent(match[1]!);
    if (id.startsWith('unknown')) return send(404, { message: 'no such agent' });
    return send(200, { id, trained: !id.startsWith('untrained') });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
