import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
/** A throwaway "service" file for the rules to resolve imports to. */
const PROBE_DIR = join(ROOT, 'services', `zz_lint_probe_${process.pid}`);
const PROBE = `zz_lint_probe_${process.pid}/target`;

beforeAll(() => {
  mkdirSync(PROBE_DIR, { recursive: true });
  writeFileSync(join(PROBE_DIR, 'target.ts'), 'export const x = 1;\n');
});
afterAll(() => rmSync(PROBE_DIR, { recursive: true, force: true }));

/** Runs the project's real eslint config on a snippet (the CLI: jest cannot load the ESM config itself). */
async function messagesFor(file: string, code: string): Promise<string[]> {
  const run = spawnSync(join(ROOT, 'node_modules/.bin/eslint'), ['--format', 'json', '--stdin', '--stdin-filename', join(ROOT, file)], {
    cwd: ROOT,
    input: code,
    encoding: 'utf8',
  });
  const [result] = JSON.parse(run.stdout) as { messages: { ruleId: string; message: string }[] }[];
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('eslint architecture rules', () => {
  it('forbids a service importing another service', async () => {
    const messages = await messagesFor('services/ingest/probe.ts', `import { x } from '../${PROBE}';\nexport const y = x;\n`);
    expect(messages.join('\n')).toMatch(/import\/no-restricted-paths: .*services import lib\/, never each other/);
  });

  it('forbids lib importing a service', async () => {
    const messages = await messagesFor('lib/probe.ts', `import { x } from '../services/${PROBE}';\nexport const y = x;\n`);
    expect(messages.join('\n')).toMatch(/lib\/ must not depend on a service/);
  });

  it('allows a service importing lib and its own files', async () => {
    const messages = await messagesFor(
      'services/ingest/probe.ts',
      "import { sql } from '../../lib/platform/clickhouse/sql';\nexport const y = [sql];\n",
    );
    expect(messages.filter((m) => m.startsWith('import/no-restricted-paths'))).toEqual([]);
  });

  it('forbids barrel re-exports', async () => {
    const messages = await messagesFor('lib/probe.ts', "export * from './config';\n");
    expect(messages.join('\n')).toMatch(/no barrel re-exports/);
  });
});
