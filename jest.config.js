/**
 * Four test lanes, one jest project each (README "Tests and benchmarks", docs/local-stack.md "Test lanes"):
 * - unit: tests that need no running service. No global setup: the stack is neither started nor checked, and every
 *   connection setting points at a closed port (test/support/unit-lane-env.ts), so a test that needs a service fails
 *   at once instead of quietly using the shared stack. Loopback servers a test starts itself are fine.
 * - integration: the real local stack (Kafka, ClickHouse, PostgreSQL, Redis, SMTP sink), provisioned by
 *   test/global-setup.ts; test/global-teardown.ts fails the run if it left a database or topic behind.
 * - fault: tests that kill processes or stop servers (private ones beside the shared stack); same setup.
 * - browser: Chromium (scripts/ensure-chromium.sh, run by `npm run test:browser` and `npm test`); same setup.
 * Plain `jest` (and `npm test`) runs every lane in one run; `jest --selectProjects <lane>` runs one, and only that
 * lane's setup. test/foundation/test-lanes.test.ts checks that every test file is in exactly one lane.
 *
 * Decided by what a test touches, not where it lives: most tests beside the code are unit and most under test/ are
 * integration, with the exceptions listed here.
 */

/** Tests beside the code that talk to the real ClickHouse: integration. */
const STACK_BESIDE_CODE = ['services/aggregator/ingest-tsv.test.ts', 'services/aggregator/insert-buffer.test.ts'];

/** Tests under test/ that need no running service: static checks, eslint on snippets, chdb (ClickHouse in-process). */
const UNIT_UNDER_TEST = [
  'test/foundation/lint-rules.test.ts',
  'test/foundation/import-graph.test.ts',
  'test/foundation/docker-compose.test.ts',
  'test/foundation/test-lanes.test.ts',
  'test/foundation/unit-lane.test.ts',
  'test/foundation/doc-references.test.ts',
  'test/foundation/code-size.test.ts',
  'test/foundation/suppression-writer.test.ts',
  'test/dashboards/dashboard-schema.test.ts',
  'test/dashboards/throttle-dashboard.test.ts',
  'test/chdb/**/*.test.ts',
];

/** SIGKILLed services and stopped brokers/servers (private instances, never the shared stack). */
const FAULT = [
  '**/*.fault.test.ts',
  'test/aggregator/crash-replay.test.ts',
  'test/aggregator/clickhouse-outage.test.ts',
  'test/scheduler/scheduler-fault.test.ts',
];

const BROWSER = [
  'test/ui/**/*.test.ts',
  'test/ingest/chromium-email.test.ts',
  'test/forms/chromium-forms.test.ts',
  'test/web/chromium-web.test.ts',
];

const LANES = {
  unit: {
    match: ['lib/**/*.test.ts', 'services/**/*.test.ts', ...UNIT_UNDER_TEST],
    except: [...STACK_BESIDE_CODE, ...FAULT, ...BROWSER],
  },
  integration: {
    match: ['test/**/*.test.ts', ...STACK_BESIDE_CODE],
    except: [...UNIT_UNDER_TEST, ...FAULT, ...BROWSER],
  },
  fault: { match: FAULT, except: [] },
  browser: { match: BROWSER, except: [] },
};

const STACK_HOOKS = {
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
};

const project = (name, { match, except }) => ({
  displayName: name,
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  // jest applies a negated glob after the positive ones: `except` removes files that `match` took in.
  testMatch: [...match.map((glob) => `<rootDir>/${glob}`), ...except.map((glob) => `!**/${glob}`)],
  testPathIgnorePatterns: ['/node_modules/', '/.stack/'],
  // The stack lanes share one setup and teardown module: jest runs it once per run, however many lanes run.
  ...(name === 'unit' ? { setupFiles: ['<rootDir>/test/support/unit-lane-env.ts'] } : STACK_HOOKS),
});

module.exports = {
  projects: Object.entries(LANES).map(([name, lane]) => project(name, lane)),
  testTimeout: 60000,
  maxWorkers: 2,
};
