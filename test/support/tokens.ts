import { randomBytes } from 'node:crypto';

/** Every Chat2Desk token used in tests contains this marker, so a leak anywhere can be found. */
export const TEST_TOKEN_MARKER = 'c2dtesttoken';

export function makeTestToken(label = ''): string {
  return `${TEST_TOKEN_MARKER}${label ? `-${label}` : ''}-${randomBytes(12).toString('hex')}`;
}

/** Makes test tokens and remembers them all, for "no token appears in …" assertions at the end. */
export function tokenRecorder(): { token(label: string): string; all: string[] } {
  const all: string[] = [];
  return {
    all,
    token(label: string) {
      const t = makeTestToken(label);
      all.push(t);
      return t;
    },
  };
}
