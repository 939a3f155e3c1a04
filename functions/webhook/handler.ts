/**
 * `POST /webhooks/chat2desk/{channelId}/{secret}` (API Gateway HTTP API, payload v2).
 * Parses the request, runs the accept-webhook use case, maps its outcome to HTTP.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { buildOnce } from '../../shared/build-once';
import { logger, metrics } from '../../shared/observability';
import { WEBHOOK_PATH_PREFIX } from '../../shared/webhook-url';
import { type AcceptWebhookDeps, createAcceptWebhook, type WebhookOutcome } from './accept-webhook';
import { buildWebhookDeps } from './composition';

const MESSAGES: Record<WebhookOutcome['code'], string> = {
  ACCEPTED: 'accepted',
  OWN_ECHO: 'accepted',
  INVALID_JSON: 'the body is not valid JSON',
  NOT_AN_OBJECT: 'the body must be a JSON object',
  BAD_SIGNATURE: 'the Chat2Desk signature does not match',
  TIMESTAMP_OUT_OF_RANGE: 'the X-Timestamp is older than 3 hours or more than 5 minutes ahead',
  NOT_FOUND: 'not found',
  BODY_TOO_LARGE: 'the body is larger than 256 KB',
  CHANNEL_RATE_LIMITED: 'too many deliveries for this channel, retry after the Retry-After seconds',
  QUEUE_UNAVAILABLE: 'temporarily unavailable, retry later',
};

function pathIds(event: APIGatewayProxyEventV2): { channelId?: string; secret?: string } {
  const params = event.pathParameters ?? {};
  if (params.channelId && params.secret) return { channelId: params.channelId, secret: params.secret };
  const rawPath = event.rawPath ?? '';
  if (!rawPath.startsWith(`${WEBHOOK_PATH_PREFIX}/`)) return {};
  const parts = rawPath.slice(WEBHOOK_PATH_PREFIX.length + 1).split('/');
  if (parts.length !== 2) return {};
  try {
    return { channelId: decodeURIComponent(parts[0]!), secret: decodeURIComponent(parts[1]!) };
  } catch {
    return {};
  }
}

function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === name) return value;
  }
  return undefined;
}

export function createWebhookHandler(deps: AcceptWebhookDeps) {
  const accept = createAcceptWebhook(deps);
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const { channelId, secret } = pathIds(event);
    const body = event.body ?? '';
    const outcome = await accept({
      channelId,
      secret,
      rawBody: event.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8'),
      signature: header(event, 'x-signature'),
      timestamp: header(event, 'x-timestamp'),
    });
    if (outcome.status !== 200) logger.info('webhook rejected', { channelId, code: outcome.code });
    const payload =
      outcome.status === 200
        ? { ok: true }
        : { ok: false, error: { code: outcome.code, message: MESSAGES[outcome.code] } };
    return {
      statusCode: outcome.status,
      headers: {
        'content-type': 'application/json',
        ...(outcome.status === 429 ? { 'retry-after': String(outcome.retryAfterSeconds) } : {}),
      },
      body: JSON.stringify(payload),
    };
  };
}

const ready = buildOnce(async () => createWebhookHandler(await buildWebhookDeps()));

/** Lambda entry point: dependencies are built once per container (again after a failed build). */
export const handler = middy(async (event: APIGatewayProxyEventV2) => {
  try {
    return await (await ready())(event);
  } finally {
    // Most deliveries record no metric: publishing then would only print a warning.
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}).use(injectLambdaContext(logger));
