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
