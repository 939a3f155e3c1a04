/**
 * A Lambda `Context` for a handler run on this machine: the fields Powertools and middy read,
 * and a remaining time that counts down from the function's timeout like the real one.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

export const LOCAL_ACCOUNT_ID = '000000000000';

export interface LocalFunction {
  /** The Lambda function name, e.g. `chat2desk-local-worker`. */
  functionName: string;
  /** The function timeout; a run longer than this fails like a Lambda timeout. */
  timeoutMs: number;
  memoryLimitInMB?: number;
}

/** What a function is given where its settings leave it open (as `Context` and as environment). */
const FUNCTION_VERSION = '$LATEST';
const DEFAULT_MEMORY_MB = 512;
const logGroupOf = (fn: LocalFunction) => `/aws/lambda/${fn.functionName}`;

/**
 * What Lambda adds to an environment (a worker thread is one): the deployed code sees the same
 * names, and Powertools reports `cold_start: true` for the first invocation (on-demand).
 */
export function lambdaEnvironment(fn: LocalFunction): Record<string, string> {
  return {
    AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: FUNCTION_VERSION,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryLimitInMB ?? DEFAULT_MEMORY_MB),
    AWS_LAMBDA_LOG_GROUP_NAME: logGroupOf(fn),
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  };
}

export function createLambdaContext(
  fn: LocalFunction,
  region: string,
  /** Set when the invocation was started elsewhere (a function's worker thread gets both from the runtime). */
  given: { deadline?: number; awsRequestId?: string } = {},
): Context {
  const deadline = given.deadline ?? Date.now() + fn.timeoutMs;
  const awsRequestId = given.awsRequestId ?? randomUUID();
  const unsupported = () => {
    // The legacy callback-style completion is never used by these handlers (they return promises).
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.functionName,
    functionVersion: FUNCTION_VERSION,
    invokedFunctionArn: `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${fn.functionName}`,
    memoryLimitInMB: String(fn.memoryLimitInMB ?? DEFAULT_MEMORY_MB),
    awsRequestId,
    logGroupName: logGroupOf(fn),
    logStreamName: `local/${awsRequestId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

/** Raised when a handler runs past its function timeout (Lambda reports "Task timed out"). */
export class LambdaTimeoutError extends Error {
  constructor(functionName: string, timeoutMs: number) {
    super(`${functionName}: task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`);
    this.name = 'LambdaTimeoutError';
  }
}

export type LambdaHandler<TEvent, TResult> = (event: TEvent, context: Context) => Promise<TResult>;

/**
 * Invokes a handler as Lambda would: a fresh context per invocation, and a timeout that turns a
 * run that is too long into an error. (Lambda would freeze the run; here it goes on in the
 * background but its result is ignored, as Lambda's would be.)
 */
export async function invokeLocally<TEvent, TResult>(
  fn: LocalFunction,
  handler: LambdaHandler<TEvent, TResult>,
  event: TEvent,
  region: string,
): Promise<TResult> {
  const context = createLambdaContext(fn, region);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LambdaTimeoutError(fn.functionName, fn.timeoutMs)), fn.timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => handler(event, context)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
