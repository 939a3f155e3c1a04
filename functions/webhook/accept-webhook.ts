/**
 * The webhook use case: authenticate a Chat2Desk delivery and store it on the inbound queue.
 *
 * Checks, in order (each failure changes nothing): URL secret (constant time, no I/O) → 404;
 * body size → 413; JSON object → 400; the channel: unknown, not active, or the URL of another
 * generation (retired by a deactivation or an account change) → 404; Chat2Desk's signature when
 * the request carries one → 401 (and, before any I/O, an `X-Timestamp` more than 3 h old or more
 * than 5 min ahead → 401 `TIMESTAMP_OUT_OF_RANGE`); an unsigned request to a channel whose
 * deliveries are signed (`requireSignature`, or a signed delivery was seen) → 401; the channel over
 * its admission rate → 429 with `Retry-After`; then SendMessage → 200, or 503 when SQS did not take
 * it (Chat2Desk retries). The agent and Chat2Desk are never called here.
 *
 * Our own echo is dropped here (after the channel is authenticated, before admission): an `outbox`
 * whose external id carries this channel's MAC (shared/conversations/own-external-id.ts, no I/O)
 * is answered 200 and not queued, a deliberate skip with its reason (DESIGN §3 inv. 2: the line
 * `inbound event skipped`, reason `OwnEcho`, and the metric `Skipped_OwnEcho`). Echoes that are not
 * provably ours (no external id, or one made before the MAC) are queued for the worker as before;
 * so is every other hook type (an `outbox_status` of our message is the worker's to report).
 *
 * The channel is read through a short cache (a miss with an eventually consistent read), and an
 * answer that would refuse the delivery (unknown, inactive, an older generation than the URL's, a
 * signature that does not match, an unsigned request refused) is re-read consistently from the
 * table before it is final: a change made a moment ago is never refused by a stale answer.
 */

import { signedTimestampVerdict, verifyChat2DeskSignature } from '../../shared/adapters/chat2desk/signature';
import {
  type InboundQueue,
  inboundQueueRouting,
  SQS_MAX_MESSAGE_BYTES,
} from '../../shared/adapters/sqs/inbound-queue';
import { externalIdOf, isSignedOwnExternalId } from '../../shared/conversations/own-external-id';
import type { InboundQueueMessage } from '../../shared/domain/queue-messages';
import { logger } from '../../shared/observability';
import { verifyWebhookSecret } from '../../shared/webhook-url';
import type { ChannelAdmission } from './channel-admission';
import type { WebhookChannelReader, WebhookChannelState } from './webhook-channel-reader';

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
  /** Our own echo: answered, not queued. */
  | { status: 200; code: 'OWN_ECHO' }
  | { status: 400; code: 'INVALID_JSON' | 'NOT_AN_OBJECT' }
  | { status: 401; code: 'BAD_SIGNATURE' | 'TIMESTAMP_OUT_OF_RANGE' }
  | { status: 404; code: 'NOT_FOUND' }
  | { status: 413; code: 'BODY_TOO_LARGE' }
  | { status: 429; code: 'CHANNEL_RATE_LIMITED'; retryAfterSeconds: number }
  | { status: 503; code: 'QUEUE_UNAVAILABLE' };

export interface AcceptWebhookDeps {
  webhookSecretKey: string;
  inboundQueue: InboundQueue;
  channels: WebhookChannelReader;
  now?: () => Date;
  /** Per-channel admission of authenticated deliveries; without it every one is admitted. */
  admission?: ChannelAdmission;
  /** Counts a delivery refused by the admission limit (a metric in Lambda). */
  onRateLimited?: (channelId: string) => void;
  /** Counts a refused unsigned delivery (a metric in Lambda). */
  onUnsignedRefused?: (channelId: string) => void;
  /** Counts our own echo dropped at the door (a metric in Lambda). */
  onOwnEcho?: (channelId: string) => void;
}

type Refusal = { status: 401; code: 'BAD_SIGNATURE' } | { status: 404; code: 'NOT_FOUND' };

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

    const signed = request.signature !== undefined || request.timestamp !== undefined;
    // A half-signed request is as suspicious as a badly signed one.
    if (signed && (!request.signature || !request.timestamp)) return { status: 401, code: 'BAD_SIGNATURE' };
    if (signed) {
      // Before any I/O: a replay of a captured delivery past Chat2Desk's retry horizon costs nothing.
      const verdict = signedTimestampVerdict(request.timestamp!, now().getTime());
      if (verdict !== 'inWindow') {
        logger.warn('signed delivery refused: timestamp outside the accepted window', { channelId, verdict });
        return { status: 401, code: 'TIMESTAMP_OUT_OF_RANGE' };
      }
    }

    /** Why this state refuses the delivery, or undefined when it is accepted. */
    const refusal = (state: WebhookChannelState | undefined): Refusal | undefined => {
      if (!state?.active || state.generation !== generation) return { status: 404, code: 'NOT_FOUND' };
      if (signed) {
        const ok = verifyChat2DeskSignature(
          state.token,
          request.rawBody,
          request.timestamp!,
          request.signature!,
        );
        return ok ? undefined : { status: 401, code: 'BAD_SIGNATURE' };
      }
      return state.signatureRequired ? { status: 401, code: 'BAD_SIGNATURE' } : undefined;
    };

    let state: WebhookChannelState | undefined;
    let refused: Refusal | undefined;
    try {
      state = (await deps.channels.read(channelId)).state;
      refused = refusal(state);
      // A generation newer than the URL's is final (generations only grow); any other refusal,
      // from the cache or from an eventually consistent read, may predate a change: read the
      // table consistently before answering.
      const retired = state !== undefined && state.generation > generation;
      if (refused && !retired) {
        state = (await deps.channels.read(channelId, { fresh: true })).state;
        refused = refusal(state);
      }
    } catch (err) {
      logger.error('channel lookup failed', { channelId, error: errorName(err) });
      return { status: 503, code: 'QUEUE_UNAVAILABLE' };
    }
    if (refused) {
      if (!signed && refused.status === 401) {
        logger.warn('unsigned delivery refused: this channel receives signed deliveries', { channelId });
        deps.onUnsignedRefused?.(channelId);
      }
      return refused;
    }
    const markFirstSigned = async () => {
      if (!signed || !state || state.signedSeen) return;
      // From the first signed delivery on, unsigned ones are refused: a signature cannot be stripped.
      await deps.channels.markSigned(channelId, generation, now().toISOString()).catch((err: unknown) => {
        logger.warn('could not record the first signed delivery', { channelId, error: errorName(err) });
      });
    };

    const body = parsed as Record<string, unknown>;
    if (
      body.hook_type === 'outbox' &&
      isSignedOwnExternalId(deps.webhookSecretKey, channelId, externalIdOf(body))
    ) {
      const messageId = body.message_id;
      logger.info('inbound event skipped', {
        channelId,
        ...(typeof messageId === 'number' || typeof messageId === 'string' ? { messageId } : {}),
        hookType: 'outbox',
        reason: 'OwnEcho',
      });
      deps.onOwnEcho?.(channelId);
      await markFirstSigned();
      return { status: 200, code: 'OWN_ECHO' };
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
    // Only an authenticated delivery (URL secret, channel, signature) takes from its channel's bucket.
    const admission = deps.admission?.admit(channelId);
    if (admission && !admission.admitted) {
      logger.warn('delivery refused: channel over its admission rate', { channelId });
      deps.onRateLimited?.(channelId);
      return { status: 429, code: 'CHANNEL_RATE_LIMITED', retryAfterSeconds: admission.retryAfterSeconds };
    }
    const routing = inboundQueueRouting(
      channelId,
      parsed as Record<string, unknown>,
      rawText,
      deps.webhookSecretKey,
    );
    try {
      await deps.inboundQueue.enqueue(message, routing);
    } catch (err) {
      logger.error('inbound queue refused the event', { channelId, error: errorName(err) });
      return { status: 503, code: 'QUEUE_UNAVAILABLE' };
    }
    await markFirstSigned();
    return { status: 200, code: 'ACCEPTED' };
  };
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : 'unknown';
}
