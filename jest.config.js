// One Jest run, two projects: pure unit specs, and integration specs against the real
// Kafka broker and FerretDB that the integration project's global setup provisions (and a
// third, `stack`, for `npm run test:stack` alone).
const fs = require('node:fs');
const path = require('node:path');

const swcrc = JSON.parse(fs.readFileSync(path.join(__dirname, '.swcrc'), 'utf8'));
const { paths } = require('./tsconfig.base.json').compilerOptions;

const moduleNameMapper = Object.fromEntries(
  Object.entries(paths).map(([alias, [target]]) => [`^${alias}$`, `<rootDir>/${target}`]),
);

const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { ...swcrc, jsc: { ...swcrc.jsc, baseUrl: __dirname, paths: undefined }, swcrc: false },
    ],
  },
  moduleNameMapper,
  moduleFileExtensions: ['ts', 'js', 'json'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.cache/', '/.runtime/'],
};

module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/{apps,libs,tools}/**/src/**/*.spec.ts',
        '<rootDir>/tools/**/*.spec.ts',
        '<rootDir>/bench/**/*.spec.ts',
      ],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs,tools}/**/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/tools/runtime/jest-global-setup.ts',
      globalTeardown: '<rootDir>/tools/runtime/jest-global-teardown.ts',
    },
    // The deployed Swarm stack: only `npm run test:stack` (tools/stack/run.ts) deploys one and
    // selects this project, so `npm test` never meets it.
    ...(process.env.STOREFRONT_STACK_TEST === '1'
      ? [
          {
            ...common,
            displayName: 'stack',
            testMatch: ['<rootDir>/tools/stack/test/*.stack-spec.ts'],
          },
        ]
      : []),
  ],
  // A global option (ignored inside a project): integration tests wait on real servers.
  testTimeout: 120000,
};
