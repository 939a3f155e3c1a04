/** The messages between the local runtime and a function's worker thread (types only). */
import type { LocalFunction } from './lambda-context';

/** What a thread loads: the TypeScript handler module, or a built bundle as Lambda loads it. */
export type FunctionSource = { kind: 'source'; file: string } | { kind: 'bundle'; file: string };

export interface ThreadData {
  fn: LocalFunction;
  region: string;
  source: FunctionSource;
}

export interface InvokeMessage {
  id: number;
  event: unknown;
  /** Epoch ms at which the invocation times out (the context counts down to it). */
  deadline: number;
  awsRequestId: string;
}

export interface WireError {
  name: string;
  message: string;
  stack?: string;
}

export type ThreadMessage =
  | { type: 'ready' }
  | { type: 'init-error'; error: WireError }
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: WireError }
  | { type: 'log'; stream: 'stdout' | 'stderr'; line: string };
