/**
 * The caller's key of `send` and `notify` (`requestId`): the same key on the same channel within
 * 24 h queues nothing new and answers the first result, so a platform that retries after a lost
 * answer never mails a client twice. docs/MANAGEMENT.md, "Caller keys".
 */
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { once } from '../build-once';
import { ConnectorError } from '../errors';
import '../zod-en';

/** How long a key is remembered (the contract's "24 h"). */
export const CALLER_KEY_TTL_SECONDS = 24 * 60 * 60;

/** Built on the first `send` or `notify` that parses one. */
export const requestIdSchema = once(() =>
  z
    .string()
    .check(
      z.trim(),
      z.minLength(1),
      z.maxLength(128),
      z.regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces'),
    ),
);

export const REQUEST_ID_REUSED_MESSAGE =
  'this requestId was already used on this channel for a different command; send the same command again, or use a new requestId';

/** A command with this key is still running (another invocation): ask again in a moment. */
export class RequestInProgressError extends ConnectorError {
  readonly kind = 'retryable' as const;
  constructor() {
    super(
      'REQUEST_IN_PROGRESS',
      'a command with this requestId is still running on this channel; ask again in a moment',
    );
  }
}

export interface CallerKey {
  channelId: string;
  requestId: string;
}

/** Runs a command at most once per caller key; what `send` and `notify` need of a store. */
export interface OncePerCallerKey {
  /**
   * The first call with a key runs `run` and remembers its result; a repeat with the same
   * `command` returns that result without running; a repeat with another `command` is a
   * `ValidationError` at `requestId`; one that comes while the first runs, `RequestInProgressError`.
   * A `run` that throws is not remembered: the same key may be used again.
   */
  run<T>(key: CallerKey, command: unknown, run: () => Promise<T>): Promise<T>;
  /** Lets a key "in progress" expire with the invocation that holds it (a crash never blocks it for 24 h). */
  registerContext(context: Context): void;
}
