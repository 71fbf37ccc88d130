// @ts-check
/**
 * One jest run covers everything `npm test` promises: the library's unit tests, the notebooks executed
 * for real through the `gradscope` kernel, and the browser and kernel-protocol checks.
 * Type checking is done once by `npm run build` (tsc); ts-jest only transpiles, which keeps runs fast.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json', diagnostics: false }],
  },
  testTimeout: 120000,
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/build/', '<rootDir>/.venv/'],
};
