/**
 * The one HTTP server of the local stack: API Gateway's routes in front of the webhook function,
 * the management entry in front of the channels function, and the sandbox and demo agent.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import {
  fromApiGatewayResult,
  INTEGRATION_FAILURE,
  PayloadTooLargeError,
  readBody,
  snapshotRequest,
  toApiGatewayV2Event,
  writeHttpResult,
  writeJson,
} from './http-event';
import { invokeLocally, type LambdaHandler, type LocalFunction } from './lambda-context';

/** A mounted sub-application (sandbox, demo agent): answers true when it handled the request. */
export interface MountedApp {
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

export interface HttpRoutes {
  region: string;
  isReady(): boolean;
  webhook?: { fn: LocalFunction; handler: LambdaHandler<APIGatewayProxyEventV2, APIGatewayProxyResultV2> };
  management?: { fn: LocalFunction; handler: LambdaHandler<unknown, unknown> };
  sandbox?: MountedApp;
  agent?: MountedApp;
  /** The console pages (`/console/`) and the local-only state routes (`/local/...`). */
  console?: MountedApp;
  state?: MountedApp;
  /** Told every webhook request's outcome (the console's counters). */
  onWebhook?: (channelId: string, status: number, body: Buffer) => void;
  /** One line per problem (no bodies). */
  report?: (line: string) => void;
}

export const WEBHOOK_ROUTE_KEY = 'POST /webhooks/chat2desk/{channelId}/{secret}';
const WEBHOOK_PATH = /^\/webhooks\/chat2desk\/([^/?]+)\/([^/?]+)\/?(?:\?.*)?$/;
/** Management commands are small; this bounds what a mistaken upload can do. */
const MAX_MANAGEMENT_BODY_BYTES = 1024 * 1024;

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

async function handleWebhook(
  routes: HttpRoutes,
  req: IncomingMessage,
  res: ServerResponse,
  match: RegExpExecArray,
): Promise<void> {
  if (!routes.webhook) return writeJson(res, 503, { message: 'Service Unavailable' });
  let body: Buffer;
  try {
    body = await readBody(req);
  } catch (err) {
    if (err instanceof PayloadTooLargeError)
      return writeJson(res, 413, { message: 'Request Entity Too Large' });
    throw err;
  }
  const event = toApiGatewayV2Event(snapshotRequest(req, body), {
    routeKey: WEBHOOK_ROUTE_KEY,
    pathParameters: { channelId: decodeSegment(match[1]!), secret: decodeSegment(match[2]!) },
  });
  try {
    const result = await invokeLocally(routes.webhook.fn, routes.webhook.handler, event, routes.region);
    const answer = fromApiGatewayResult(result);
    writeHttpResult(res, answer);
    routes.onWebhook?.(event.pathParameters?.channelId ?? '', answer.statusCode, body);
  } catch (err) {
    routes.report?.(`${routes.webhook.fn.functionName}: invocation failed (${(err as Error).name})`);
    writeHttpResult(res, INTEGRATION_FAILURE);
  }
}

async function handleManagement(
  routes: HttpRoutes,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (req.method !== 'POST') {
    res.setHeader('allow', 'POST');
    return writeJson(res, 405, {
      ok: false,
      error: { code: 'METHOD_NOT_ALLOWED', message: 'send the command with POST' },
    });
  }
  if (!routes.management)
    return writeJson(res, 503, { ok: false, error: { code: 'STARTING', message: 'starting' } });
  let command: unknown;
  try {
    const body = await readBody(req, MAX_MANAGEMENT_BODY_BYTES);
    command = JSON.parse(body.toString('utf8'));
  } catch (err) {
    const tooLarge = err instanceof PayloadTooLargeError;
    return writeJson(res, tooLarge ? 413 : 400, {
      ok: false,
      error: {
        code: 'VALIDATION_FAILED',
        message: tooLarge
          ? 'the command is larger than 1 MiB'
          : 'the body is not JSON: send one management command',
      },
    });
  }
  try {
    // The same JSON as the Lambda invoke payload; the result is what the platform would receive.
    const result = await invokeLocally(
      routes.management.fn,
      routes.management.handler,
      command,
      routes.region,
    );
    writeJson(res, 200, result ?? null);
  } catch (err) {
    routes.report?.(`${routes.management.fn.functionName}: invocation failed (${(err as Error).name})`);
    writeJson(res, 500, {
      ok: false,
      error: { code: 'INTERNAL', message: 'internal error; see the function log' },
    });
  }
}

export async function routeRequest(
  routes: HttpRoutes,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  if (path === '/health') {
    const ready = routes.isReady();
    return writeJson(res, ready ? 200 : 503, ready ? { ok: true } : { ok: false, status: 'starting' });
  }
  if (path === '/management') return handleManagement(routes, req, res);
  const webhook = WEBHOOK_PATH.exec(req.url ?? '');
  if (webhook) {
    if (req.method === 'POST') return handleWebhook(routes, req, res, webhook);
    return writeJson(res, 404, { message: 'Not Found' });
  }
  if (path === '/sandbox' || path.startsWith('/sandbox/')) {
    if (routes.sandbox && (await routes.sandbox.handle(req, res))) return;
    return writeJson(res, routes.sandbox ? 404 : 503, { message: routes.sandbox ? 'Not Found' : 'starting' });
  }
  if (path === '/console' || path.startsWith('/console/') || path.startsWith('/local/')) {
    const app = path.startsWith('/local/') ? routes.state : routes.console;
    if (app && (await app.handle(req, res))) return;
    return writeJson(res, app ? 404 : 503, { message: app ? 'Not Found' : 'starting' });
  }
  if (path === '/agent' || path.startsWith('/agent/')) {
    if (routes.agent && (await routes.agent.handle(req, res))) return;
    return writeJson(res, routes.agent ? 404 : 503, { message: routes.agent ? 'Not Found' : 'starting' });
  }
  if (path === '/' && (req.method === 'GET' || req.method === 'HEAD')) {
    res.writeHead(302, { location: '/sandbox/' });
    res.end();
    return;
  }
  writeJson(res, 404, { message: 'Not Found' });
}

export class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(`port ${port} is in use: set PORT=... or stop the other process`);
    this.name = 'PortInUseError';
  }
}

/** Listens on host:port (port 0 = any free port); a port in use is a `PortInUseError`. */
export async function listen(routes: HttpRoutes, port: number, host: string): Promise<Server> {
  const server = createServer((req, res) => {
    routeRequest(routes, req, res).catch((err) => {
      routes.report?.(`http: ${req.method} ${(req.url ?? '').split('?')[0]} failed (${(err as Error).name})`);
      if (!res.headersSent) writeHttpResult(res, INTEGRATION_FAILURE);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' ? new PortInUseError(port) : err);
    });
    server.listen(port, host, () => resolve());
  });
  return server;
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
