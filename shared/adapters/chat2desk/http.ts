/**
 * Chat2Desk HTTP core: one authenticated, time-limited request with tolerant envelope parsing and
 * typed failures (the errors of `shared/errors.ts`; the request function's shape is the port of
 * `shared/outbound/ports.ts`). Chat2Desk wire shapes stay inside `shared/adapters/chat2desk/`.
 *
 * Envelope: `{status: "success"|"error", data?, message?, errors?}`; `errors` is a map of field →
 * messages or a plain string. Some errors come back as HTTP 200 with `status: "error"`, so both
 * the HTTP status and `body.status` are checked.
 */
import * as z from 'zod/mini';
import {
  type Chat2DeskError,
  type Chat2DeskFailure,
  Chat2DeskPermanentError,
  Chat2DeskRetryableError,
} from '../../errors';
import type { Chat2DeskHttp, Chat2DeskResponse } from '../../outbound/ports';
import { registerSecret } from '../../redaction';
import '../../zod-en';
import { parseRetryAfter } from '../http/retry-after';

export const envelopeSchema = z.looseObject({
  status: z.optional(z.string()),
  data: z.optional(z.unknown()),
  message: z.optional(z.unknown()),
  errors: z.optional(z.unknown()),
  meta: z.optional(z.unknown()),
});

/** Human-readable text of an error envelope; never includes the request (and so never the token). */
export function describeEnvelopeError(body: z.infer<typeof envelopeSchema> | undefined): string {
  if (!body) return '';
  const parts: string[] = [];
  if (typeof body.message === 'string' && body.message.length > 0) parts.push(body.message);
  const errors = body.errors;
  if (typeof errors === 'string' && errors.length > 0) parts.push(errors);
  else if (errors && typeof errors === 'object') {
    for (const [field, messages] of Object.entries(errors as Record<string, unknown>)) {
      const list = Array.isArray(messages) ? messages.map(String) : [String(messages)];
      parts.push(`${field}: ${list.join(', ')}`);
    }
  }
  return parts.join('; ').slice(0, 500);
}

const THROTTLE_TEXT = /number of api requests exceeded/i;
const QUOTA_TEXT = /api calls exceeded api limit per month/i;
const BAD_TOKEN_TEXT = /token is not correct|you need to auth|you have to specify your token/i;

/** The one function that turns an HTTP outcome into a failure kind. */
export function classifyChat2DeskResponse(httpStatus: number, text: string): Chat2DeskFailure {
  if (httpStatus === 429 || THROTTLE_TEXT.test(text)) return 'throttled';
  if (QUOTA_TEXT.test(text)) return 'quotaExceeded';
  if (httpStatus === 401 || httpStatus === 403 || BAD_TOKEN_TEXT.test(text)) return 'badToken';
  if (httpStatus >= 500) return 'serverError';
  if (httpStatus === 404 || /not_found|page not found/i.test(text)) return 'notFound';
  return 'rejected';
}

const RETRYABLE: ReadonlySet<Chat2DeskFailure> = new Set(['unreachable', 'throttled', 'serverError']);

function failureError(
  failure: Chat2DeskFailure,
  message: string,
  httpStatus?: number,
  retryAfterMs?: number,
  cause?: unknown,
): Chat2DeskError {
  return RETRYABLE.has(failure)
    ? new Chat2DeskRetryableError(failure, message, httpStatus, retryAfterMs, cause)
    : new Chat2DeskPermanentError(failure, message, httpStatus);
}

export { parseRetryAfter };

/**
 * The largest response body read from Chat2Desk, counted after decompression (DESIGN §3 invariant
 * 12). The largest legitimate answers (a page of 200 messages, the operators or webhooks list) are
 * a few hundred KB; past this the answer is refused as `invalidResponse` and the body cancelled,
 * so a gzip/br bomb or an endless body costs at most this much memory.
 */
export const CHAT2DESK_MAX_RESPONSE_BYTES = 2 * 1024 * 1024;

export interface Chat2DeskHttpOptions {
  /** The account's API address, e.g. https://api.chat2desk.com (no trailing slash needed). */
  baseUrl: string;
  token: string;
  /** Per request, from sending it to the last byte of its body. */
  timeoutMs: number;
  /** Body size limit after decompression; default `CHAT2DESK_MAX_RESPONSE_BYTES`. */
  maxResponseBytes?: number;
  /** Ends every request of this client early when aborted (e.g. the healer's time share of a run). */
  signal?: AbortSignal;
  /** The process's Chat2Desk edge (`getChat2DeskEdge` in edge.ts): every call goes through it. */
  fetchImpl: typeof fetch;
}

/**
 * Builds the request function for one account. Throws `Chat2DeskRetryableError` or
 * `Chat2DeskPermanentError`; the message names the method, path and failure, never the token.
 */
export function createChat2DeskHttp(options: Chat2DeskHttpOptions): Chat2DeskHttp {
  const fetchImpl = options.fetchImpl;
  const base = options.baseUrl.replace(/\/+$/, '');
  const maxBytes = options.maxResponseBytes ?? CHAT2DESK_MAX_RESPONSE_BYTES;
  registerSecret(options.token);

  return async (request) => {
    const url = new URL(`${base}${request.path}`);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const what = `${request.method} ${request.path}`;
    let response: Response;
    let text: string;
    // One deadline from sending to the body's last byte: a server that drips bytes is cut too.
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    try {
      response = await fetchImpl(url, {
        method: request.method,
        headers: {
          Authorization: options.token,
          Accept: 'application/json',
          ...(request.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        },
        body: request.body !== undefined ? JSON.stringify(request.body) : undefined,
        signal,
        redirect: 'manual',
      });
      text = await readBoundedText(response, maxBytes);
    } catch (err) {
      if (err instanceof ResponseTooLargeError) {
        throw failureError('invalidResponse', `Chat2Desk ${what}: ${err.message}`, err.httpStatus);
      }
      // By name: an abort while reading the body is a DOMException, not always of this realm's Error.
      const name = (err as { name?: unknown } | null)?.name;
      const timedOut = name === 'TimeoutError' || name === 'AbortError';
      const forbidden = forbiddenAddress(err);
      const reason = timedOut
        ? timeout.aborted
          ? `timed out after ${options.timeoutMs} ms`
          : 'cancelled by the caller'
        : forbidden
          ? `refused to connect: ${forbidden}`
          : 'could not connect';
      const failure = failureError('unreachable', `Chat2Desk ${what}: ${reason}`, undefined, undefined, err);
      if (failure instanceof Chat2DeskRetryableError) failure.mayHaveTakenEffect = !neverSent(err);
      throw failure;
    }

    let body: z.infer<typeof envelopeSchema> | undefined;
    if (text.length > 0) {
      try {
        const parsed = envelopeSchema.safeParse(JSON.parse(text));
        body = parsed.success ? parsed.data : undefined;
      } catch {
        body = undefined;
      }
    }
    const detail = body ? describeEnvelopeError(body) : text.slice(0, 200);
    const isError = !response.ok || (body?.status !== undefined && body.status !== 'success');
    if (isError) {
      const failure =
        response.status >= 300 && response.status < 400
          ? 'rejected'
          : classifyChat2DeskResponse(response.status, detail);
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      throw failureError(
        failure,
        `Chat2Desk ${what} failed (HTTP ${response.status}, ${failure})${detail ? `: ${detail}` : ''}`,
        response.status,
        retryAfterMs,
      );
    }
    if (!body) {
      throw failureError(
        'invalidResponse',
        `Chat2Desk ${what}: the response is not a JSON envelope`,
        response.status,
      );
    }
    return { httpStatus: response.status, data: body.data, meta: body.meta };
  };
}

class ResponseTooLargeError extends Error {
  constructor(
    limit: number,
    readonly httpStatus: number,
  ) {
    super(`the response is larger than ${limit} bytes`);
    this.name = 'ResponseTooLargeError';
  }
}

/**
 * The body as text, read chunk by chunk and cancelled past `limit` bytes. The edge (undici)
 * decompresses gzip/br/deflate transparently, so the bytes counted are the decompressed ones.
 */
async function readBoundedText(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw new ResponseTooLargeError(limit, response.status);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Errors that come before a request leaves this process (no connection was made). */
const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EFORBIDDENADDRESS',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The request certainly never reached Chat2Desk: no connection was made. */
function neverSent(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NOT_SENT_CODES.has(code)) return true;
  }
  return false;
}

/** The edge's refusal of a non-public address, found in the error's cause chain. */
function forbiddenAddress(err: unknown): string | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth += 1) {
    if ((e as { code?: unknown }).code === 'EFORBIDDENADDRESS') return e.message;
  }
  return undefined;
}

/** Parses `data` with a schema; a mismatch is an `invalidResponse` (permanent). */
export function parseData<S extends z.core.$ZodType>(
  schema: S,
  response: Chat2DeskResponse,
  what: string,
): z.output<S> {
  const parsed = z.safeParse(schema, response.data);
  if (!parsed.success) {
    throw new Chat2DeskPermanentError(
      'invalidResponse',
      `Chat2Desk ${what}: unexpected data (${parsed.error.issues[0]?.message ?? 'invalid'})`,
      response.httpStatus,
    );
  }
  return parsed.data;
}
