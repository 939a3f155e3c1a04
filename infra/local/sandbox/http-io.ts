/** Small node:http helpers of the sandbox: body reading, JSON answers, Chat2Desk envelopes. */
import type { IncomingMessage, ServerResponse } from 'node:http';

const MAX_BODY_BYTES = 1024 * 1024;

/** An answer computed by a route; written later so that faults can replace it. */
export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Raw text instead of JSON (static files). */
  raw?: { contentType: string; text: string | Buffer };
}

/** A failure with Chat2Desk's error envelope. */
export class SandboxApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Record<string, string[]> | string,
  ) {
    super(message);
    this.name = 'SandboxApiError';
  }
}

export function success(data: unknown, meta?: unknown): Answer {
  return {
    status: 200,
    body: meta === undefined ? { status: 'success', data } : { status: 'success', data, meta },
  };
}

export function errorEnvelope(status: number, message: string, errors?: unknown): Answer {
  return {
    status,
    body: errors === undefined ? { status: 'error', message } : { status: 'error', message, errors },
  };
}

export class BadJsonError extends Error {}

export async function readRawBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new BadJsonError('body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses a JSON body; empty → undefined; malformed → BadJsonError. */
export function parseJsonBody(raw: string): unknown {
  if (raw.trim().length === 0) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw new BadJsonError('malformed JSON');
  }
}

export function writeAnswer(res: ServerResponse, answer: Answer): void {
  if (res.writableEnded || res.destroyed) return;
  const headers: Record<string, string> = { ...(answer.headers ?? {}) };
  let payload: string | Buffer;
  if (answer.raw) {
    headers['Content-Type'] = answer.raw.contentType;
    payload = answer.raw.text;
  } else {
    headers['Content-Type'] = 'application/json; charset=utf-8';
    payload = JSON.stringify(answer.body);
  }
  headers['Content-Length'] = String(Buffer.byteLength(payload));
  res.writeHead(answer.status, headers);
  res.end(payload);
}

export function queryOf(url: URL): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of url.searchParams) out[key] = value;
  return out;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
