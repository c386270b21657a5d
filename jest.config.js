// Three tiers, next to the code. Integration and end-to-end suites talk to real servers that
// scripts/test.sh provisions; each suite makes its own database and channel prefix.
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] };
const common = {
  transform,
  testEnvironment: 'node',
  roots: ['<rootDir>'],
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
};
module.exports = {
  // A run always ends: it names what a suite left open and exits (test/support/exitGuard.js).
  globalTeardown: '<rootDir>/test/support/exitGuard.js',
  projects: [
    { ...common, displayName: 'unit', testMatch: ['**/*.unit.test.ts'] },
    { ...common, displayName: 'int', testMatch: ['**/*.int.test.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['**/*.e2e.test.ts'] },
    // Every suite runs on NATS Streaming (the default log); on JetStream, one end-to-end pass over
    // each context. Failures name the project, and each suite's titles say "(on JetStream)".
    {
      ...common,
      displayName: 'e2e-jetstream',
      setupFiles: ['<rootDir>/test/support/onJetStream.ts'],
      testMatch: [
        '<rootDir>/apps/identity/identity.e2e.test.ts',
        '<rootDir>/apps/projects/projects.e2e.test.ts',
        '<rootDir>/apps/teams/invitations.e2e.test.ts',
        '<rootDir>/apps/estimation/estimates.e2e.test.ts',
        '<rootDir>/apps/payments/provider.e2e.test.ts',
      ],
    },
    // The fault scenarios again, each on a JetStream server of its own (test/faults/privateLog.ts)
    // rather than a NATS Streaming one. Not the clustered log's: logLeaderLost is NATS Streaming's
    // cluster, jetstreamNodeLost (in `e2e`) JetStream's, whichever log the run chose.
    {
      ...common,
      displayName: 'faults-jetstream',
      setupFiles: ['<rootDir>/test/support/onJetStream.ts'],
      testMatch: [
        '<rootDir>/test/faults/logOutage.e2e.test.ts',
        '<rootDir>/test/faults/componentFailover.e2e.test.ts',
        '<rootDir>/test/faults/databaseRestart.e2e.test.ts',
        '<rootDir>/test/faults/sessionsKilled.e2e.test.ts',
        '<rootDir>/test/faults/temporalKilled.e2e.test.ts',
      ],
    },
  ],
};
