/**
 * Test files whose assertions read arrival times within a second (a per-account rate limit across
 * instances): `npm test` (scripts/run-tests.ts) runs them after the others, with no other test file
 * beside them, so another file's load on this machine's two cores cannot bunch their requests.
 * JEST_SUITES=rest leaves them out, JEST_SUITES=alone runs only them; unset, jest runs every file.
 */
const ALONE = ['/test/reliability/r11-account-rate-limit\\.test\\.ts$'];
const suites = process.env.JEST_SUITES;

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  ...(suites === 'alone' ? { testRegex: ALONE } : { testMatch: ['**/*.test.ts'] }),
  testPathIgnorePatterns: ['/node_modules/', ...(suites === 'rest' ? ALONE : [])],
  // Type checking is done once by `tsc --noEmit`; jest only transpiles (much faster).
  // CommonJS output here: a dynamic `import()` of our own modules (a lazy chunk in the bundles,
  // infra/constructs/function-bundling.ts) becomes a `require`, which jest's module system runs
  // without --experimental-vm-modules; the `.js` of such a relative import names the `.ts` file.
  transform: {
    '^.+\\.[tj]s$': [
      'ts-jest',
      { tsconfig: { allowJs: true, isolatedModules: true, module: 'commonjs', moduleResolution: 'node' } },
    ],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  // @middy/* ships ESM only: let ts-jest transpile it to CommonJS.
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
  cacheDirectory: '<rootDir>/.jest-cache',
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  setupFiles: ['<rootDir>/test/support/env.ts'],
  testTimeout: 30000,
  maxWorkers: 2,
};
