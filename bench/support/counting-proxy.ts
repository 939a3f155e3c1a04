/**
 * HTTP proxies for the cost benchmark: they sit between the local stack and what it talks to, so
 * every request can be counted from the outside, without hooks in the product's code.
 *
 * - `startAwsProxy` in front of DynamoDB Local or fauxqs (both speak the JSON protocol): counts by
 *   `X-Amz-Target`, asks DynamoDB for `ReturnConsumedCapacity: TOTAL` on every item call (a request
 *   field the emulator honours; the response is passed through untouched, so its CRC32 still holds)
 *   and hands each exchange to `onExchange` (timing, bodies).
 * - `startFrontProxy` in front of the local stack's HTTP server: the webhook URLs, the agent API
 *   and the Chat2Desk sandbox API are all reached through it, so it counts webhook requests, times
 *   them, and adds the latency a real agent and a real Chat2Desk have (`delayFor`).
 */
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../../infra/local/runtime/http-event';

export interface Exchange {
  target: string;
  requestBody: string;
  responseBody: string;
  status: number;
  startedAt: number;
  endedAt: number;
}

export interface RunningProxy {
  url: string;
  stop(): Promise<void>;
}

/** The proxies pass on bodies of any size (no API Gateway payload limit here). */
const NO_BODY_LIMIT = Number.POSITIVE_INFINITY;

const CAPACITY_ACTIONS = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactWriteItems',
  'TransactGetItems',
]);

function listenLocal(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    );
  });
}

function closeLocal(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

function forward(
  upstream: URL,
  req: IncomingMessage,
  body: Buffer,
  res: ServerResponse,
  done: (status: number, responseBody: Buffer) => void,
): void {
  const headers = { ...req.headers, host: upstream.host, 'content-length': String(body.length) };
  const out = request(
    { hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers },
    (upstreamRes) => {
      const chunks: Buffer[] = [];
      upstreamRes.on('data', (c: Buffer) => chunks.push(c));
      upstreamRes.on('end', () => {
        const responseBody = Buffer.concat(chunks);
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        res.end(responseBody);
        done(upstreamRes.statusCode ?? 502, responseBody);
      });
    },
  );
  out.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
    done(502, Buffer.alloc(0));
  });
  out.end(body);
}

export async function startAwsProxy(options: {
  upstream: string;
  /** Adds `ReturnConsumedCapacity: TOTAL` to DynamoDB item calls. */
  askConsumedCapacity?: boolean;
  onExchange(exchange: Exchange): void;
}): Promise<RunningProxy> {
  const upstream = new URL(options.upstream);
  const server = createServer((req, res) => {
    const startedAt = Date.now();
    void readBody(req, NO_BODY_LIMIT).then((raw) => {
      const target =
        String(req.headers['x-amz-target'] ?? '')
          .split('.')
          .pop() ?? '';
      let body = raw;
      if (options.askConsumedCapacity && CAPACITY_ACTIONS.has(target)) {
        const json = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
        json.ReturnConsumedCapacity = 'TOTAL';
        body = Buffer.from(JSON.stringify(json), 'utf8');
      }
      forward(upstream, req, body, res, (status, responseBody) =>
        options.onExchange({
          target,
          requestBody: raw.toString('utf8'),
          responseBody: responseBody.toString('utf8'),
          status,
          startedAt,
          endedAt: Date.now(),
        }),
      );
    });
  });
  const url = await listenLocal(server);
  return { url, stop: () => closeLocal(server) };
}

export interface FrontExchange {
  method: string;
  path: string;
  status: number;
  /** Time the upstream took, without the added delay. */
  upstreamMs: number;
  delayMs: number;
}

export async function startFrontProxy(options: {
  /** Where the local stack listens (known before it starts: the proxy forwards lazily). */
  upstream: () => string;
  delayFor(method: string, path: string): number;
  onExchange(exchange: FrontExchange): void;
}): Promise<RunningProxy> {
  const server = createServer((req, res) => {
    void readBody(req, NO_BODY_LIMIT).then(async (body) => {
      const method = req.method ?? 'GET';
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const delayMs = options.delayFor(method, path);
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      const startedAt = performance.now();
      forward(new URL(options.upstream()), req, body, res, (status) =>
        options.onExchange({ method, path, status, upstreamMs: performance.now() - startedAt, delayMs }),
      );
    });
  });
  const url = await listenLocal(server);
  return { url, stop: () => closeLocal(server) };
}
