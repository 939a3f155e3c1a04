/**
 * The webhook use case: authenticate a Chat2Desk delivery and store it on the inbound queue.
 *
 * Checks, in order (each failure changes nothing): URL secret (constant time, no I/O) → 404;
 * body size → 413; JSON object → 400; Chat2Desk signature when the request carries one → 401
 * (unknown channel → 404); then SendMessage → 200, or 503 when SQS did not take it (Chat2Desk
 * retries). The agent and Chat2Desk are never called here.
 */

import { verifyChat2DeskSignature } from '../../shared/adapters/chat2desk/signature';
import {
  type InboundQueue,
  inboundQueueRouting,
  SQS_MAX_MESSAGE_BYTES,
} from '../../shared/adapters/sqs/inbound-queue';
import type { InboundQueueMessage } from '../../shared/domain/queue-messages';
import { logger } from '../../shared/observability';
import { verifyWebhookSecret } from '../../shared/webhook-url';
import type { SigningTokenReader } from './signing-token-reader';

export const MAX_BODY_BYTES = 256 * 1024;

export interface WebhookRequest {
  channelId: string | undefined;
  secret: string | undefined;
  rawBody: Buffer;
  /** Chat2Desk's signature headers, when present. */
  signature?: string;
  timestamp?: string;
}

export type WebhookOutcome =
  | { status: 200; code: 'ACCEPTED' }
  | { status: 400; code: 'INVALID_JSON' | 'NOT_AN_OBJECT' }
  | { status: 401; code: 'BAD_SIGNATURE' }
  | { status: 404; code: 'NOT_FOUND' }
  | { status: 413; code: 'BODY_TOO_LARGE' }
  | { status: 503; code: 'QUEUE_UNAVAILABLE' };

export interface AcceptWebhookDeps {
  webhookSecretKey: string;
  inboundQueue: InboundQueue;
  signingTokens: SigningTokenReader;
  now?: () => Date;
}

const MAX_ID_LENGTH = 128;

export function createAcceptWebhook(deps: AcceptWebhookDeps) {
  const now = deps.now ?? (() => new Date());

  return async function acceptWebhook(request: WebhookRequest): Promise<WebhookOutcome> {
    const { channelId, secret } = request;
    if (!channelId || !secret || channelId.length > MAX_ID_LENGTH || secret.length > MAX_ID_LENGTH) {
      return { status: 404, code: 'NOT_FOUND' };
    }
    const generation = verifyWebhookSecret(deps.webhookSecretKey, channelId, secret);
    if (generation === undefined) return { status: 404, code: 'NOT_FOUND' };

    if (request.rawBody.length > MAX_BODY_BYTES) return { status: 413, code: 'BODY_TOO_LARGE' };
    const rawText = request.rawBody.toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawText);
    } catch {
      return { status: 400, code: 'INVALID_JSON' };
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      return { status: 400, code: 'NOT_AN_OBJECT' };
    }

    if (request.signature !== undefined || request.timestamp !== undefined) {
      // A half-signed request is as suspicious as a badly signed one.
      if (!request.signature || !request.timestamp) return { status: 401, code: 'BAD_SIGNATURE' };
      let token: string | undefined;
      try {
        token = await deps.signingTokens.tokenOf(channelId);
      } catch (err) {
        logger.error('signing token lookup failed', { channelId, error: errorName(err) });
        return { status: 503, code: 'QUEUE_UNAVAILABLE' };
      }
      if (!token) return { status: 404, code: 'NOT_FOUND' };
      if (!verifyChat2DeskSignature(token, request.rawBody, request.timestamp, request.signature)) {
        return { status: 401, code: 'BAD_SIGNATURE' };
      }
    }

    const message: InboundQueueMessage = {
      v: 1,
      channelId,
      generation,
      receivedAt: now().toISOString(),
      body: rawText,
    };
    // JSON escaping can grow a body past SQS's limit: that is the sender's too-large body, not our 5xx.
    if (Buffer.byteLength(JSON.stringify(message), 'utf8') > SQS_MAX_MESSAGE_BYTES) {
      return { status: 413, code: 'BODY_TOO_LARGE' };
    }
    const routing = inboundQueueRouting(channelId, parsed as Record<string, unknown>, rawText);
    try {
      await deps.inboundQueue.enqueue(message, routing);
    } catch (err) {
      logger.error('inbound queue refused the event', { channelId, error: errorName(err) });
      return { status: 503, code: 'QUEUE_UNAVAILABLE' };
    }
    return { status: 200, code: 'ACCEPTED' };
  };
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : 'unknown';
}
