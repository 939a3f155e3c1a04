/** A real HTTP webhook receiver on loopback for the sandbox tests. */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSandboxServer } from '../../../infra/local/sandbox';
import type { SandboxOptions } from '../../../infra/local/sandbox/types';
import { makeTestToken } from '../../support/tokens';

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  body: Record<string, unknown>;
  status: number;
}

export interface Receiver {
  url(path?: string): string;
  received: ReceivedWebhook[];
  /** Status to answer for the next deliveries (consumed in order); 200 afterwards. */
  failNext(...statuses: number[]): void;
  /** Decide the status per delivery. */
  respondWith(fn: (delivery: Omit<ReceivedWebhook, 'status'>) => number): void;
  stop(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: ReceivedWebhook[] = [];
  const queued: number[] = [];
  let decide: ((d: Omit<ReceivedWebhook, 'status'>) => number) | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const delivery = { path: req.url ?? '/', headers: req.headers, rawBody, body: JSON.parse(rawBody) };
      const status = queued.length > 0 ? queued.shift()! : decide ? decide(delivery) : 200;
      received.push({ ...delivery, status });
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path = '/hook') => `http://127.0.0.1:${port}${path}`,
    received,
    failNext: (...statuses) => queued.push(...statuses),
    respondWith: (fn) => {
      decide = fn;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Calls the sandbox API like a Chat2Desk client; returns status, headers and parsed body. */
export async function api(
  apiUrl: string,
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const response = await fetch(`${apiUrl}${path}`, {
    method,
    headers: {
      ...(token !== undefined ? { Authorization: token } : {}),
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
}

export type SandboxServer = Awaited<ReturnType<typeof startSandboxServer>>;

/**
 * A fresh receiver per test and a sandbox started with the test's switches, whose account has one
 * webhook to the receiver for `events`; both are stopped after each test.
 */
export function sandboxWithReceiver(events: string[]) {
  let server: SandboxServer | undefined;
  let receiver: Receiver;
  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    await receiver.stop();
  });
  return {
    receiver: () => receiver,
    async start(switches: SandboxOptions): Promise<{ token: string; s: SandboxServer }> {
      server = await startSandboxServer({ options: { webhookRetryDelaysMs: [30], ...switches } });
      const token = makeTestToken();
      const res = await api(server.apiUrl, token, 'POST', '/v1/webhooks', {
        name: 't',
        url: receiver.url('/h'),
        events,
      });
      expect(res.status).toBe(200);
      return { token, s: server };
    },
    /** The bodies of the deliveries of one hook type, in arrival order. */
    bodies: (hook: string) => receiver.received.filter((r) => r.body.hook_type === hook).map((r) => r.body),
  };
}
