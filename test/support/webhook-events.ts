/**
 * Shared factories for Chat2Desk webhook bodies (reference §3.4–3.6) and the API Gateway HTTP API
 * (payload v2) events that carry them to `functions/webhook`.
 *
 *   const body = inboxBody({ client_id: 42, text: 'hi' });
 *   const event = webhookRequest({ channelId, secret, body });          // JSON-encodes objects
 *   const signed = webhookRequest({ channelId, secret, body, signWith: token });
 */
import { createHash, createHmac } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

export type C2dId = number | string;
export type WebhookBody = Record<string, unknown>;

let nextMessageId = 900_000_000 + Math.floor(Math.random() * 1_000_000) * 50;
/** A fresh Chat2Desk-like message id (unique within a test process). */
export function newMessageId(): number {
  nextMessageId += 1;
  return nextMessageId;
}

const nowIso = () => new Date().toISOString();

const DEFAULT_CLIENT_ID = 500482964;
/** Each client has its own dialog (and current request) unless a test says otherwise. */
export function dialogIdOf(clientId: C2dId): number {
  return 7_000_000 + (Number(clientId) % 1_000_000);
}
export function requestIdOf(clientId: C2dId): number {
  return 8_000_000 + (Number(clientId) % 1_000_000);
}

/** A client message (`hook_type: inbox`, `type: from_client`), general queue (no operator). */
export function inboxBody(overrides: WebhookBody = {}): WebhookBody {
  const clientId = (overrides.client_id as C2dId | undefined) ?? DEFAULT_CLIENT_ID;
  return {
    hook_type: 'inbox',
    message_id: newMessageId(),
    type: 'from_client',
    text: 'Hello',
    transport: 'telegram',
    client_id: clientId,
    operator_id: null,
    dialog_id: dialogIdOf(clientId),
    channel_id: 31,
    request_id: requestIdOf(clientId),
    photo: null,
    video: null,
    audio: null,
    pdf: null,
    coordinates: null,
    attachments: [],
    client: {
      id: clientId,
      phone: '+79990001122',
      client_phone: null,
      name: 'Anna',
      assigned_name: null,
      external_id: null,
    },
    is_new_request: false,
    is_new_client: false,
    insta_comment: false,
    is_new: false,
    extra_data: {},
    event_time: nowIso(),
    ...overrides,
  };
}

/** A message sent to the client (by an operator, the bot, an autoreply). */
export function outboxBody(overrides: WebhookBody = {}): WebhookBody {
  return inboxBody({
    hook_type: 'outbox',
    type: 'to_client',
    operator_id: 12,
    text: 'Operator here',
    ...overrides,
  });
}

export function closeDialogBody(overrides: WebhookBody = {}): WebhookBody {
  const clientId = (overrides.client_id as C2dId | undefined) ?? DEFAULT_CLIENT_ID;
  return {
    hook_type: 'close_dialog',
    dialog_id: dialogIdOf(clientId),
    client_id: clientId,
    operator_id: null,
    channel_id: 31,
    event_time: nowIso(),
    ...overrides,
  };
}

export function closeRequestBody(overrides: WebhookBody = {}): WebhookBody {
  const clientId = (overrides.client_id as C2dId | undefined) ?? DEFAULT_CLIENT_ID;
  return {
    hook_type: 'close_request',
    request_id: requestIdOf(clientId),
    event_time: nowIso(),
    ...overrides,
  };
}

export function dialogTransferredBody(overrides: WebhookBody = {}): WebhookBody {
  const clientId = (overrides.client_id as C2dId | undefined) ?? DEFAULT_CLIENT_ID;
  return {
    hook_type: 'dialog_transferred',
    dialog_id: dialogIdOf(clientId),
    client_id: clientId,
    operator_id: 12,
    channel_id: 31,
    event_time: nowIso(),
    ...overrides,
  };
}

/** Chat2Desk's signature (reference §3.3): hex HMAC-SHA256, key = MD5(token), over body + timestamp. */
export function signChat2Desk(
  token: string,
  rawBody: string,
  timestamp: string,
  keyEncoding: 'hex' | 'raw' = 'hex',
): string {
  const md5 = createHash('md5').update(token, 'utf8');
  const key = keyEncoding === 'hex' ? md5.digest('hex') : md5.digest();
  return createHmac('sha256', key).update(Buffer.from(rawBody, 'utf8')).update(timestamp).digest('hex');
}

export interface WebhookRequestOptions {
  channelId: string;
  secret: string;
  /** An object is JSON-encoded; a string is sent as is. */
  body?: WebhookBody | string;
  headers?: Record<string, string>;
  isBase64Encoded?: boolean;
  /** Adds X-Signature / X-Timestamp computed with this token. */
  signWith?: string;
  signKeyEncoding?: 'hex' | 'raw';
  timestamp?: string;
  /** Leave out pathParameters (only rawPath carries the ids). */
  omitPathParameters?: boolean;
  method?: string;
}

/** An API Gateway HTTP API (payload v2) event for `POST /webhooks/chat2desk/{channelId}/{secret}`. */
export function webhookRequest(options: WebhookRequestOptions): APIGatewayProxyEventV2 {
  const raw =
    options.body === undefined
      ? JSON.stringify(inboxBody())
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.signWith) {
    const timestamp = options.timestamp ?? String(Math.floor(Date.now() / 1000));
    headers['x-timestamp'] = timestamp;
    headers['x-signature'] = signChat2Desk(options.signWith, raw, timestamp, options.signKeyEncoding);
  }
  const rawPath = `/webhooks/chat2desk/${encodeURIComponent(options.channelId)}/${encodeURIComponent(options.secret)}`;
  const method = options.method ?? 'POST';
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: 'POST /webhooks/chat2desk/{channelId}/{secret}',
    rawPath,
    rawQueryString: '',
    headers,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'chat2desk' },
      requestId: `req-${Math.random().toString(36).slice(2)}`,
      routeKey: 'POST /webhooks/chat2desk/{channelId}/{secret}',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    body: options.isBase64Encoded ? Buffer.from(raw, 'utf8').toString('base64') : raw,
    isBase64Encoded: options.isBase64Encoded ?? false,
  };
  if (!options.omitPathParameters) {
    event.pathParameters = { channelId: options.channelId, secret: options.secret };
  }
  return event;
}
