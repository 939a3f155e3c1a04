import { randomBytes } from 'node:crypto';
import {
  fromStoredAnswer,
  PLAIN_ANSWER_MAX_BYTES,
  STORED_ANSWER_MAX_BYTES,
  toStoredAnswer,
} from '../../../shared/adapters/agent/stored-answer';
import type { AgentResponse } from '../../../shared/domain/agent-contract';
import { PermanentError } from '../../../shared/errors';

const answer = (...texts: string[]): AgentResponse => ({
  replies: texts.map((text) => ({ type: 'text', text })),
});

describe('the agent answer kept in its dedup record', () => {
  it('a small answer is kept as it is', () => {
    const small = answer('hello');
    expect(toStoredAnswer(small)).toEqual(small);
    expect(fromStoredAnswer(toStoredAnswer(small))).toEqual(small);
  });

  it('5 × 40,000 Cyrillic characters are kept compressed within the limit, and read back whole', () => {
    const large = answer(...Array.from({ length: 5 }, (_, i) => `${i} ${'привет мир '.repeat(4_000)}`));
    expect(Buffer.byteLength(JSON.stringify(large))).toBeGreaterThan(400_000);
    const stored = toStoredAnswer(large);
    expect(stored).toHaveProperty('gzipBase64');
    expect(Buffer.byteLength(JSON.stringify(stored))).toBeLessThan(STORED_ANSWER_MAX_BYTES);
    expect(fromStoredAnswer(stored)).toEqual(large);
  });

  it('an answer that does not compress below the limit keeps only its size; read back, it is permanent', () => {
    const noise = answer(randomBytes(STORED_ANSWER_MAX_BYTES).toString('base64'));
    const stored = toStoredAnswer(noise);
    expect(stored).toEqual({ notKept: { bytes: Buffer.byteLength(JSON.stringify(noise)) } });
    expect(() => fromStoredAnswer(stored)).toThrow(PermanentError);
    expect(() => fromStoredAnswer(stored)).toThrow(/not called again/);
  });

  it('just over the plain size is compressed', () => {
    const justOver = answer('a'.repeat(PLAIN_ANSWER_MAX_BYTES));
    expect(toStoredAnswer(justOver)).toHaveProperty('gzipBase64');
  });
});
