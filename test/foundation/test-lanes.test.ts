import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const LANES = ['unit', 'integration', 'fault', 'browser'] as const;
const STACK_LANES = ['integration', 'fault', 'browser'];
/** What jest would take for a test file under any of its default names; lanes only list `.test.ts`. */
const TEST_FILE = /\.(test|spec)\.[cm]?[jt]sx?$/;
const NOT_SOURCE = new Set(['node_modules', '.git', '.stack', 'dist', 'coverage', 'test-output', 'tmp', '.spool']);

/** Every test file in the checkout, found without jest: the set the lanes must partition. */
function testFiles(dir = ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return NOT_SOURCE.has(entry.name) ? [] : testFiles(join(dir, entry.name));
    return entry.isFile() && TEST_FILE.test(entry.name) ? [relative(ROOT, join(dir, entry.name))] : [];
  });
}

/** The project's jest CLI on the project's config (jest.config.js), as `npm run test:<lane>` runs it. */
function jestJson(args: string[]): unknown {
  const run = spawnSync(join(ROOT, 'node_modules', '.bin', 'jest'), args, {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (run.status !== 0) throw new Error(`jest ${args.join(' ')} failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

function listTests(args: string[]): string[] {
  const listed = jestJson(['--listTests', '--json', ...args]);
  if (!Array.isArray(listed) || !listed.every((path) => typeof path === 'string'))
    throw new Error('jest --listTests: not a list of paths');
  return listed.map((path: string) => relative(ROOT, path)).sort();
}

/** A field of a JSON value read from jest's output, or undefined. */
const field = (value: unknown, name: string): unknown =>
  typeof value === 'object' && value !== null ? Object.getOwnPropertyDescriptor(value, name)?.value : undefined;
const fromRoot = (path: unknown): unknown => (typeof path === 'string' ? relative(ROOT, path) : path);

/** Each project's lane name and the hooks that decide what it provisions (`jest --showConfig`). */
function projectHooks(): Record<string, unknown>[] {
  const configs = field(jestJson(['--showConfig']), 'configs');
  return (Array.isArray(configs) ? configs : []).map((config: unknown) => {
    const setupFiles = field(config, 'setupFiles');
    return {
      lane: field(field(config, 'displayName'), 'name'),
      globalSetup: fromRoot(field(config, 'globalSetup')),
      globalTeardown: fromRoot(field(config, 'globalTeardown')),
      setupFiles: Array.isArray(setupFiles) ? setupFiles.map(fromRoot) : setupFiles,
    };
  });
}

/**
 * The lanes (jest.config.js; README "Tests and benchmarks") partition the test files: a new test lands in exactly
 * one lane, so `npm run test:<lane>` runs it once, and plain `jest` (npm test, CI) runs every lane.
 */
describe('test lanes', () => {
  it('put every test file in exactly one lane', () => {
    const lanesOf = new Map(testFiles().map((file) => [file, [] as string[]]));
    for (const lane of LANES) {
      for (const file of listTests(['--selectProjects', lane])) lanesOf.set(file, [...(lanesOf.get(file) ?? []), lane]);
    }
    const misplaced = [...lanesOf]
      .filter(([, lanes]) => lanes.length !== 1)
      .map(([file, lanes]) => `${file}: ${lanes.join(' + ') || 'no lane'}`);
    expect(misplaced).toEqual([]);
    expect(lanesOf.size).toBeGreaterThan(100);
  });

  it('run every test file when jest runs without a lane', () => {
    expect(listTests([])).toEqual(testFiles().sort());
  });

  it('provision and check the stack in the lanes that use it, and point the unit lane at nothing', () => {
    const hooks = projectHooks();
    expect(hooks.map((project) => project.lane)).toEqual([...LANES]);
    for (const project of hooks) {
      const stack = STACK_LANES.includes(String(project.lane));
      expect(project).toEqual({
        lane: project.lane,
        globalSetup: stack ? 'test/global-setup.ts' : undefined,
        globalTeardown: stack ? 'test/global-teardown.ts' : undefined,
        setupFiles: stack ? [] : ['test/support/unit-lane-env.ts'],
      });
    }
  });
});
