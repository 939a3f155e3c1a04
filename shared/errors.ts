/**
 * Typed errors, decided in one place.
 *
 * Every error the connector raises on purpose is a `ConnectorError` with a `kind`:
 * - `invalid`   — the input is wrong; drop it (log + metric), never retry, never a 5xx;
 * - `retryable` — a dependency is down for now; throw so SQS redelivers (bounded by maxReceiveCount);
 * - `permanent` — retrying cannot help; the record goes to the DLQ with its reason.
 * `classifyError` is the single function that maps anything thrown to one of these.
 */
import { redactSecrets } from './redaction';

export type ErrorKind = 'invalid' | 'retryable' | 'permanent';

export abstract class ConnectorError extends Error {
  abstract readonly kind: ErrorKind;
  readonly code: string;
  readonly details?: unknown;

  constructor(code: string, message: string, details?: unknown, options?: { cause?: unknown }) {
    super(redactSecrets(message), options);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/** A field path and what is wrong with it; what a person needs to fix a request. */
export interface FieldIssue {
  path: string;
  message: string;
}

export class ValidationError extends ConnectorError {
  readonly kind = 'invalid' as const;
  constructor(message: string, issues: FieldIssue[] = []) {
    super('VALIDATION_FAILED', message, issues.length > 0 ? { issues } : undefined);
  }
}

export class NotFoundError extends ConnectorError {
  readonly kind = 'invalid' as const;
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

export class VersionConflictError extends ConnectorError {
  readonly kind = 'invalid' as const;
  constructor(message: string, details?: { expected?: number; actual?: number }) {
    super('VERSION_CONFLICT', message, details);
  }
}

export class ChannelInactiveError extends ConnectorError {
  readonly kind = 'invalid' as const;
  constructor(message: string) {
    super('CHANNEL_INACTIVE', message);
  }
}

/** A dependency failed in a way that may pass on a later attempt (network, timeout, 5xx, throttling). */
export class RetryableError extends ConnectorError {
  readonly kind = 'retryable' as const;
  readonly retryAfterMs?: number;
  constructor(
    code: string,
    message: string,
    options?: { cause?: unknown; retryAfterMs?: number; details?: unknown },
  ) {
    super(code, message, options?.details, { cause: options?.cause });
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/**
 * Retryable, and known not to pass before `comeBackInMs` (a Chat2Desk account's send rate is
 * booked until then): the queue consumer puts the record back to come back about then, instead of
 * holding its batch or leaving the record invisible for the whole visibility timeout.
 */
export class RetryLaterError extends RetryableError {
  readonly comeBackInMs: number;
  constructor(code: string, message: string, comeBackInMs: number, options?: { details?: unknown }) {
    super(code, message, {
      retryAfterMs: comeBackInMs,
      ...(options?.details ? { details: options.details } : {}),
    });
    this.comeBackInMs = comeBackInMs;
  }
}

/** Retrying cannot help (a 4xx from a dependency, an invalid response): the record belongs in the DLQ. */
export class PermanentError extends ConnectorError {
  readonly kind = 'permanent' as const;
  constructor(code: string, message: string, options?: { cause?: unknown; details?: unknown }) {
    super(code, message, options?.details, { cause: options?.cause });
  }
}

/**
 * A failed Chat2Desk call, by kind. The Chat2Desk adapter (shared/adapters/chat2desk/http.ts)
 * classifies every failure and throws one of the two errors below; the use cases read `failure`.
 */
export type Chat2DeskFailure =
  | 'unreachable' // network error, DNS, connection refused, timeout
  | 'badToken' // 401/403 or "Token is not correct"
  | 'throttled' // 429 or "Number of API requests exceeded"
  | 'quotaExceeded' // "API calls exceeded API limit per month"
  | 'full' // the account already has the maximum number of webhooks
  | 'notFound' // 404 / "not_found"
  | 'serverError' // 5xx
  | 'invalidResponse' // not the envelope we expect
  | 'rejected'; // any other 4xx / status:error

export class Chat2DeskRetryableError extends RetryableError {
  /**
   * The request may have reached Chat2Desk and taken effect (a timeout or a dropped connection
   * after it was sent): a POST repeated blindly could be done twice.
   */
  mayHaveTakenEffect = false;
  constructor(
    readonly failure: Chat2DeskFailure,
    message: string,
    readonly httpStatus?: number,
    retryAfterMs?: number,
    cause?: unknown,
  ) {
    super(`CHAT2DESK_${failure.toUpperCase()}`, message, { retryAfterMs, cause });
  }
}

export class Chat2DeskPermanentError extends PermanentError {
  constructor(
    readonly failure: Chat2DeskFailure,
    message: string,
    readonly httpStatus?: number,
  ) {
    super(`CHAT2DESK_${failure.toUpperCase()}`, message);
  }
}

export type Chat2DeskError = Chat2DeskRetryableError | Chat2DeskPermanentError;

export function isChat2DeskError(err: unknown): err is Chat2DeskError {
  return err instanceof Chat2DeskRetryableError || err instanceof Chat2DeskPermanentError;
}

/** The one place that decides what to do with anything thrown. Unknown errors are treated as retryable. */
export function classifyError(err: unknown): ErrorKind {
  if (err instanceof ConnectorError) return err.kind;
  return 'retryable';
}

export interface ErrorResult {
  ok: false;
  error: { code: string; message: string; details?: unknown };
}

/** Maps an error to the management contract's error result; unknown errors become INTERNAL without internals. */
export function toErrorResult(err: unknown): ErrorResult {
  if (err instanceof ConnectorError) {
    const error: ErrorResult['error'] = { code: err.code, message: err.message };
    if (err.details !== undefined) error.details = err.details;
    return { ok: false, error };
  }
  return { ok: false, error: { code: 'INTERNAL', message: 'internal error; see the function log' } };
}

/** The stable code and a message of anything thrown, for logs and dead-letter attributes (redacted). */
export function failureReason(err: unknown): { code: string; message: string } {
  if (err instanceof ConnectorError) return { code: err.code, message: err.message };
  const name = err instanceof Error ? err.name : 'unknown';
  return {
    code: 'UNEXPECTED',
    message: redactSecrets(err instanceof Error ? `${name}: ${err.message}` : name),
  };
}
