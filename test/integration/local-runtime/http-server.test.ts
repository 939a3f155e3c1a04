/**
 * The local API Gateway: real HTTP requests on a free loopback port become payload-format-2.0
 * events for a stand-in webhook function; management commands reach a stand-in channels function.
 */
import type { Server } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import {
  closeServer,
  type HttpRoutes,
  listen,
  PortInUseError,
} from '../../../infra/local/runtime/http-server';
import type { LambdaHandler } from '../../../infra/local/runtime/lambda-context';

describe('local HTTP server (API Gateway v2 adapter)', () => {
  let server: Server;
  let base: string;
  let ready = false;
  const seen: APIGatewayProxyEventV2[] = [];
  const commands: unknown[] = [];
  let webhookResult: APIGatewayProxyResultV2 | Error = { statusCode: 200, body: '{"ok":true}' };
  let remainingAtCall = 0;

  const webhook: LambdaHandler<APIGatewayProxyEventV2, APIGatewayProxyResultV2> = async (event, context) => {
    seen.push(event);
    remainingAtCall = context.getRemainingTimeInMillis();
    if (webhookResult instanceof Error) throw webhookResult;
    return webhookResult;
  };
  const channels: LambdaHandler<unknown, unknown> = async (command) => {
    commands.push(command);
    if ((command as { action?: string }).action === 'explode') throw new Error('boom');
    return { ok: true, echo: command };
  };

  const routes: HttpRoutes = {
    region: 'us-east-1',
    isReady: () => ready,
    webhook: { fn: { functionName: 'test-webhook', timeoutMs: 10_000 }, handler: webhook },
    management: { fn: { functionName: 'test-channels', timeoutMs: 10_000 }, handler: channels },
    report: () => undefined,
  };

  beforeAll(async () => {
    server = await listen(routes, 0, '127.0.0.1');
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await closeServer(server);
  });
  beforeEach(() => {
    seen.length = 0;
    commands.length = 0;
    webhookResult = { statusCode: 200, body: '{"ok":true}' };
  });

  it('answers /health 503 while starting and 200 when ready', async () => {
    ready = false;
    const starting = await fetch(`${base}/health`);
    expect(starting.status).toBe(503);
    ready = true;
    const up = await fetch(`${base}/health`);
    expect(up.status).toBe(200);
    expect(await up.json()).toEqual({ ok: true });
  });

  it('turns a webhook POST into a v2 event with the route, path parameters, headers and body', async () => {
    const body = JSON.stringify({ hook_type: 'inbox', text: 'héllo' });
    const response = await fetch(`${base}/webhooks/chat2desk/ch-1/7.abc_DEF-xyz?retry=1&retry=2`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Signature': 'SIG', Cookie: 'a=1; b=2' },
      body,
    });
    expect(response.status).toBe(200);
    expect(seen).toHaveLength(1);
    const event = seen[0]!;
    expect(event.version).toBe('2.0');
    expect(event.routeKey).toBe('POST /webhooks/chat2desk/{channelId}/{secret}');
    expect(event.rawPath).toBe('/webhooks/chat2desk/ch-1/7.abc_DEF-xyz');
    expect(event.rawQueryString).toBe('retry=1&retry=2');
    expect(event.queryStringParameters).toEqual({ retry: '1,2' });
    expect(event.pathParameters).toEqual({ channelId: 'ch-1', secret: '7.abc_DEF-xyz' });
    expect(event.headers['content-type']).toBe('application/json');
    expect(event.headers['x-signature']).toBe('SIG');
    expect(Object.keys(event.headers).every((k) => k === k.toLowerCase())).toBe(true);
    expect(event.cookies).toEqual(['a=1', 'b=2']);
    expect(event.isBase64Encoded).toBe(false);
    expect(event.body).toBe(body);
    expect(event.requestContext.http.method).toBe('POST');
    expect(event.requestContext.http.path).toBe('/webhooks/chat2desk/ch-1/7.abc_DEF-xyz');
    expect(event.requestContext.http.sourceIp).toBe('127.0.0.1');
    expect(event.requestContext.routeKey).toBe(event.routeKey);
    expect(event.requestContext.stage).toBe('$default');
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof event.requestContext.timeEpoch).toBe('number');
    expect(event.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(remainingAtCall).toBeGreaterThan(0);
    expect(remainingAtCall).toBeLessThanOrEqual(10_000);
  });

  it('passes a binary body base64-encoded and decodes a percent-encoded channel id', async () => {
    const bytes = Buffer.from([0, 255, 1, 254, 10]);
    await fetch(`${base}/webhooks/chat2desk/ch%3A2/1.s`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    const event = seen[0]!;
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body!, 'base64').equals(bytes)).toBe(true);
    expect(event.pathParameters?.channelId).toBe('ch:2');
  });

  it('maps the function result to the response: status, headers, base64 bodies, bare values', async () => {
    webhookResult = { statusCode: 202, headers: { 'X-Request-Id': 'r1' }, body: 'accepted' };
    const first = await fetch(`${base}/webhooks/chat2desk/c/1.s`, { method: 'POST', body: '{}' });
    expect(first.status).toBe(202);
    expect(first.headers.get('x-request-id')).toBe('r1');
    expect(await first.text()).toBe('accepted');

    webhookResult = {
      statusCode: 200,
      body: Buffer.from('binary').toString('base64'),
      isBase64Encoded: true,
    };
    expect(
      await (await fetch(`${base}/webhooks/chat2desk/c/1.s`, { method: 'POST', body: '{}' })).text(),
    ).toBe('binary');

    webhookResult = { queued: true } as unknown as APIGatewayProxyResultV2;
    const bare = await fetch(`${base}/webhooks/chat2desk/c/1.s`, { method: 'POST', body: '{}' });
    expect(bare.status).toBe(200);
    expect(bare.headers.get('content-type')).toBe('application/json');
    expect(await bare.json()).toEqual({ queued: true });
  });

  it('answers 500 like API Gateway when the function throws, without its message', async () => {
    webhookResult = new Error('secret internals');
    const response = await fetch(`${base}/webhooks/chat2desk/c/1.s`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: 'Internal Server Error' });
  });

  it('does not route other methods or paths to the webhook function', async () => {
    expect((await fetch(`${base}/webhooks/chat2desk/c/1.s`)).status).toBe(404);
    expect((await fetch(`${base}/webhooks/chat2desk/c`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await fetch(`${base}/nowhere`)).status).toBe(404);
    expect(seen).toHaveLength(0);
  });

  it('passes a management command as the invoke payload and returns the result as JSON', async () => {
    const command = { action: 'get', channelId: 'abc' };
    const response = await fetch(`${base}/management`, { method: 'POST', body: JSON.stringify(command) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, echo: command });
    expect(commands).toEqual([command]);
  });

  it('answers 400 to a management body that is not JSON, without invoking the function', async () => {
    const response = await fetch(`${base}/management`, { method: 'POST', body: '{not json' });
    expect(response.status).toBe(400);
    const result = (await response.json()) as { ok: boolean; error: { code: string } };
    expect(result.ok).toBe(false);
    expect(result.error.code).toBe('VALIDATION_FAILED');
    expect(commands).toHaveLength(0);
    expect((await fetch(`${base}/management`)).status).toBe(405);
  });

  it('answers 500 with an INTERNAL error when the channels function throws', async () => {
    const response = await fetch(`${base}/management`, { method: 'POST', body: '{"action":"explode"}' });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: 'internal error; see the function log' },
    });
  });

  it('refuses a port that is in use with a PortInUseError naming the port', async () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await expect(listen(routes, port, '127.0.0.1')).rejects.toThrow(new PortInUseError(port).message);
  });
});
