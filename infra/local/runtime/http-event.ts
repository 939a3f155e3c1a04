/**
 * The HTTP API (API Gateway v2, payload format 2.0) integration, done on this machine: a Node
 * request becomes an `APIGatewayProxyEventV2`, and the handler's result becomes the response,
 * with API Gateway's rules (lower-cased headers, comma-joined repeated values, base64 bodies for
 * binary content, a bare string or object result meaning 200 JSON).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { LOCAL_ACCOUNT_ID } from './lambda-context';

/** API Gateway's payload limit. */
export const MAX_HTTP_BODY_BYTES = 10 * 1024 * 1024;

export class PayloadTooLargeError extends Error {
  constructor() {
    super('Request Entity Too Large');
    this.name = 'PayloadTooLargeError';
  }
}

/** Reads the whole body, refusing more than `limit` bytes. */
export async function readBody(req: IncomingMessage, limit = MAX_HTTP_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > limit) throw new PayloadTooLargeError();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

const TEXT_CONTENT_TYPE =
  /^(text\/|application\/(json|.*\+json|xml|.*\+xml|javascript|x-www-form-urlencoded))/i;

/** Text bodies are passed as strings; anything else (or no declared type) base64, like API Gateway. */
export function isTextContent(contentType: string | undefined): boolean {
  return contentType !== undefined && TEXT_CONTENT_TYPE.test(contentType.trim());
}

function formatRequestTime(date: Date): string {
  // API Gateway's CLF-style time: 12/Mar/2020:19:03:58 +0000
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(
    date.getUTCHours(),
  )}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

export interface RouteMatch {
  /** e.g. `POST /webhooks/chat2desk/{channelId}/{secret}` */
  routeKey: string;
  pathParameters?: Record<string, string>;
}

export interface HttpRequestSnapshot {
  method: string;
  /** Path and query as received, e.g. `/webhooks/chat2desk/abc/s3cr3t?x=1`. */
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  sourceIp: string;
  httpVersion?: string;
}

export function snapshotRequest(req: IncomingMessage, body: Buffer): HttpRequestSnapshot {
  return {
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    headers: req.headers,
    body,
    sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
    httpVersion: req.httpVersion,
  };
}

/** Builds the payload-format-2.0 event API Gateway would send for this request. */
export function toApiGatewayV2Event(
  request: HttpRequestSnapshot,
  route: RouteMatch,
  now = new Date(),
): APIGatewayProxyEventV2 {
  const questionMark = request.url.indexOf('?');
  const rawPath = questionMark === -1 ? request.url : request.url.slice(0, questionMark);
  const rawQueryString = questionMark === -1 ? '' : request.url.slice(questionMark + 1);

  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    if (key === 'cookie') {
      cookies = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(/;\s*/)).filter(Boolean);
      continue;
    }
    headers[key] = Array.isArray(value) ? value.join(',') : value;
  }

  let queryStringParameters: Record<string, string> | undefined;
  if (rawQueryString) {
    queryStringParameters = {};
    for (const [key, value] of new URLSearchParams(rawQueryString)) {
      const previous = queryStringParameters[key];
      queryStringParameters[key] = previous === undefined ? value : `${previous},${value}`;
    }
  }

  const text = isTextContent(headers['content-type']);
  const hasBody = request.body.length > 0;
  const domainName = headers.host ?? 'localhost';

  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath,
    rawQueryString,
    headers,
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: 'local',
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: request.method.toUpperCase(),
        path: rawPath,
        protocol: `HTTP/${request.httpVersion ?? '1.1'}`,
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: route.routeKey,
      stage: '$default',
      time: formatRequestTime(now),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: hasBody && !text,
  };
  if (cookies) event.cookies = cookies;
  if (queryStringParameters) event.queryStringParameters = queryStringParameters;
  if (route.pathParameters) event.pathParameters = route.pathParameters;
  if (hasBody) event.body = text ? request.body.toString('utf8') : request.body.toString('base64');
  return event;
}

export interface HttpResult {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

/**
 * Interprets a handler result as API Gateway does for payload format 2.0: an object with a
 * `statusCode` is a response; anything else (string, object without statusCode) is a 200 JSON body.
 */
export function fromApiGatewayResult(result: APIGatewayProxyResultV2 | undefined): HttpResult {
  if (result !== null && typeof result === 'object' && 'statusCode' in result && result.statusCode) {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(result.headers ?? {})) headers[k.toLowerCase()] = String(v);
    const raw = result.body ?? '';
    const body = result.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
    return { statusCode: result.statusCode, headers, cookies: result.cookies ?? [], body };
  }
  const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    cookies: [],
    body: Buffer.from(body, 'utf8'),
  };
}

export function writeHttpResult(res: ServerResponse, result: HttpResult): void {
  const headers: Record<string, string | string[]> = { ...result.headers };
  if (result.cookies.length > 0) headers['set-cookie'] = result.cookies;
  headers['content-length'] = String(result.body.length);
  res.writeHead(result.statusCode, headers);
  res.end(result.body);
}

export function writeJson(res: ServerResponse, statusCode: number, value: unknown): void {
  writeHttpResult(res, {
    statusCode,
    headers: { 'content-type': 'application/json' },
    cookies: [],
    body: Buffer.from(JSON.stringify(value), 'utf8'),
  });
}

/** API Gateway's own answer when the integration fails (the function threw or timed out). */
export const INTEGRATION_FAILURE: HttpResult = {
  statusCode: 500,
  headers: { 'content-type': 'application/json' },
  cookies: [],
  body: Buffer.from('{"message":"Internal Server Error"}'),
};
