/**
 * ESM mode: the @actions/* packages are ESM-only. One jest project per test tier (see
 * __tests__/README.md): `npm run test:unit` runs unit and docs with no PostgreSQL; `npm test` runs
 * every tier with a throwaway PostgreSQL server; `--selectProjects <tier>` picks tiers.
 */
const shared = {
  preset: 'ts-jest/presets/default-esm',
  testTimeout: 120000,
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      { useESM: true, tsconfig: 'tsconfig.json', diagnostics: { ignoreCodes: [151002] } }
    ]
  }
}

const tier = (name) => ({ ...shared, displayName: name, roots: [`<rootDir>/__tests__/${name}`] })

export default {
  projects: ['unit', 'docs', 'integration', 'e2e'].map(tier),
  testTimeout: 120000,
  // One more worker than the 2-core machine's cores: several suites spend minutes waiting (a
  // simulated 70 s restore, the official CLI's start-up), and a third keeps the cores busy then.
  maxWorkers: 3
}
