import {
  ChannelInactiveError,
  classifyError,
  PermanentError,
  RetryableError,
  toErrorResult,
  ValidationError,
} from '../../shared/errors';
import { redactingReplacer } from '../../shared/observability';
import { maskToken, redactSecrets, registerSecret } from '../../shared/redaction';
import { makeTestToken } from '../support/tokens';

describe('typed errors', () => {
  it.each([
    [new ValidationError('bad'), 'invalid'],
    [new ChannelInactiveError('off'), 'invalid'],
    [new RetryableError('X', 'later'), 'retryable'],
    [new PermanentError('Y', 'never'), 'permanent'],
    [new Error('unknown'), 'retryable'],
  ])('%s is %s', (err, kind) => {
    expect(classifyError(err)).toBe(kind);
  });

  it('maps a validation error to the contract error result with its field paths', () => {
    const result = toErrorResult(
      new ValidationError('invalid command', [{ path: 'channel.apiUrl', message: 'must be a URL' }]),
    );
    expect(result).toEqual({
      ok: false,
      error: {
        code: 'VALIDATION_FAILED',
        message: 'invalid command',
        details: { issues: [{ path: 'channel.apiUrl', message: 'must be a URL' }] },
      },
    });
  });

  it('hides the internals of unknown errors', () => {
    expect(toErrorResult(new Error('connect ECONNREFUSED 10.0.0.1'))).toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: 'internal error; see the function log' },
    });
  });
});

describe('token redaction', () => {
  const token = makeTestToken('redaction');
  registerSecret(token);

  it('masks a token as •••• and its last four characters', () => {
    expect(maskToken('abcdef1a2b')).toBe('••••1a2b');
  });

  it('masks a registered token inside any text, including error messages', () => {
    expect(redactSecrets(`call with ${token} failed`)).toBe(`call with ${maskToken(token)} failed`);
    expect(new PermanentError('X', `bad ${token}`).message).not.toContain(token);
  });

  it('masks values under secret keys and registered tokens in log entries', () => {
    const line = JSON.stringify(
      { token: 'unregistered-value-1234', nested: { note: `t=${token}` } },
      redactingReplacer,
    );
    expect(line).not.toContain('unregistered-value-1234');
    expect(line).toContain('••••1234');
    expect(line).not.toContain(token);
  });
});
