import { randomBytes } from 'node:crypto';

/** Every Chat2Desk token used in tests contains this marker, so a leak anywhere can be found. */
export const TEST_TOKEN_MARKER = 'c2dtesttoken';

export function makeTestToken(label = ''): string {
  return `${TEST_TOKEN_MARKER}${label ? `-${label}` : ''}-${randomBytes(12).toString('hex')}`;
}
