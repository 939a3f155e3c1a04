/**
 * How the agent's answer is kept in its dedup record (`agent-call-once.ts`), within DynamoDB's
 * 400 KB item limit. The record is what a redelivered record answers from instead of calling the
 * agent again, so an answer that could not be stored would be asked for again on every delivery.
 *
 * - up to PLAIN_ANSWER_MAX_BYTES of JSON: kept as it is;
 * - larger: gzip, base64 (`{ gzipBase64 }`); text compresses 2–5×, so any answer of the contract's
 *   size in practice fits;
 * - still over STORED_ANSWER_MAX_BYTES: only its size is kept (`{ notKept }`). The answer at hand is
 *   still delivered; a later delivery of the same message fails permanently with
 *   `AGENT_ANSWER_NOT_KEPT` (inbound DLQ, its reason in the attributes) instead of calling again.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { AgentResponse } from '../../domain/agent-contract';
import { PermanentError } from '../../errors';

/** Answers up to this size are stored as they are (readable in the table). */
export const PLAIN_ANSWER_MAX_BYTES = 64 * 1024;
/** DynamoDB's item limit is 400 KB; the record's key, status and times take well under 50 KB. */
export const STORED_ANSWER_MAX_BYTES = 350 * 1024;

export type StoredAnswer = AgentResponse | { gzipBase64: string } | { notKept: { bytes: number } };

export function toStoredAnswer(answer: AgentResponse): StoredAnswer {
  const json = JSON.stringify(answer);
  const bytes = Buffer.byteLength(json);
  if (bytes <= PLAIN_ANSWER_MAX_BYTES) return answer;
  const gzipBase64 = gzipSync(json).toString('base64');
  if (gzipBase64.length <= STORED_ANSWER_MAX_BYTES) return { gzipBase64 };
  return { notKept: { bytes } };
}

export function fromStoredAnswer(stored: StoredAnswer): AgentResponse {
  const { gzipBase64, notKept } = stored as { gzipBase64?: unknown; notKept?: { bytes?: unknown } };
  if (typeof gzipBase64 === 'string') {
    return JSON.parse(gunzipSync(Buffer.from(gzipBase64, 'base64')).toString('utf8')) as AgentResponse;
  }
  if (notKept !== undefined) {
    throw new PermanentError(
      'AGENT_ANSWER_NOT_KEPT',
      `the agent answered this message before (${String(notKept.bytes)} bytes, too large to keep); it is not called again`,
    );
  }
  return stored as AgentResponse;
}
