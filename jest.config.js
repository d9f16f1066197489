/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': 'ts-jest' },
  testMatch: ['<rootDir>/tests/**/*.test.ts', '<rootDir>/alerting/**/*.test.ts', '<rootDir>/dashboards/**/*.test.ts'],
  reporters: ['default', '<rootDir>/tests/support/no-skips-reporter.js'],
  testTimeout: 60000,
};
