/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': 'ts-jest' },
  testMatch: ['<rootDir>/tests/**/*.test.ts', '<rootDir>/alerting/**/*.test.ts', '<rootDir>/dashboards/**/*.test.ts'],
  reporters: ['default', '<rootDir>/tests/support/no-skips-reporter.js'],
  testTimeout: 60000,
  // dist/ (npm start's transpile, npm run build) holds a copy of package.json that jest would see twice.
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
};
