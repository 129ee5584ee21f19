import { LINT_PROBE_PREFIX } from '../support/lint-probe';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
/** A throwaway "service" file for the rules to resolve imports to. */
const PROBE_DIR = join(ROOT, 'services', `${LINT_PROBE_PREFIX}${process.pid}`);
const PROBE_SERVICE = `${LINT_PROBE_PREFIX}${process.pid}`;
const PROBE = `${PROBE_SERVICE}/target`;
/** A new folder in a layer (empty: the rules resolve imports from the linted file's folder, so it must exist). */
const PROBE_LAYER_DIR = join(ROOT, 'lib', 'platform', `${LINT_PROBE_PREFIX}${process.pid}`);

beforeAll(() => {
  mkdirSync(PROBE_DIR, { recursive: true });
  writeFileSync(join(PROBE_DIR, 'target.ts'), 'export const x = 1;\n');
  mkdirSync(PROBE_LAYER_DIR, { recursive: true });
});
afterAll(() => {
  rmSync(PROBE_DIR, { recursive: true, force: true });
  rmSync(PROBE_LAYER_DIR, { recursive: true, force: true });
});

/** The type-aware rules, switched off for snippets: a file that is not on disk is in no TypeScript project. */
const UNTYPED = [
  '--parser-options',
  'projectService:false',
  '--rule',
  '@typescript-eslint/no-floating-promises: off',
  '--rule',
  '@typescript-eslint/no-misused-promises: off',
];

/** eslint's messages for one file ('ruleId: message'); the CLI, as jest cannot load the ESM config itself. */
function lint(args: string[], input?: string): string[] {
  const run = spawnSync(join(ROOT, 'node_modules/.bin/eslint'), ['--format', 'json', ...args], {
    cwd: ROOT,
    input,
    encoding: 'utf8',
  });
  const [result] = JSON.parse(run.stdout) as { messages: { ruleId: string; message: string }[] }[];
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

/** Runs the project's real eslint config on a snippet, without type information. */
async function messagesFor(file: string, code: string): Promise<string[]> {
  return lint([...UNTYPED, '--stdin', '--stdin-filename', join(ROOT, file)], code);
}

const restricted = (messages: string[]): string[] => messages.filter((m) => m.startsWith('import/no-restricted-paths'));

describe('eslint architecture rules', () => {
  it('forbids a service importing another service', async () => {
    const messages = await messagesFor(
      'services/ingest/probe.ts',
      `import { x } from '../${PROBE}';\nexport const y = x;\n`,
    );
    expect(messages.join('\n')).toMatch(/import\/no-restricted-paths: .*services import lib\/, never each other/);
  });

  it('forbids lib importing a service', async () => {
    const messages = await messagesFor(
      'lib/probe.ts',
      `import { x } from '../services/${PROBE}';\nexport const y = x;\n`,
    );
    expect(messages.join('\n')).toMatch(/lib\/ must not depend on a service/);
  });

  it('allows a service importing lib and its own files', async () => {
    const messages = await messagesFor(
      'services/ingest/probe.ts',
      "import { sql } from '../../lib/platform/clickhouse/sql';\nexport const y = [sql];\n",
    );
    expect(restricted(messages)).toEqual([]);
  });

  it('forbids running code importing test/, scripts/ or bench/, and lets unit tests beside it use test/support', async () => {
    const code = "import { sampleDsn } from '../../../test/support/bounce-fixtures';\nexport const y = sampleDsn;\n";
    expect((await messagesFor('services/ingest/bounces/probe.ts', code)).join('\n')).toMatch(
      /not test\/, scripts\/ or bench\//,
    );
    expect(restricted(await messagesFor('services/ingest/bounces/probe.test.ts', code))).toEqual([]);
  });

  it('forbids barrel re-exports', async () => {
    const messages = await messagesFor('lib/probe.ts', "export * from './config';\n");
    expect(messages.join('\n')).toMatch(/no barrel re-exports/);
  });
});

describe('eslint type-aware rules', () => {
  it('refuses a promise nobody awaits or handles and one passed where a callback returns nothing', () => {
    const file = join(PROBE_DIR, 'floating.ts');
    writeFileSync(
      file,
      [
        'async function work(): Promise<void> {}',
        'export function floating(): void {',
        '  work();',
        '}',
        'export function misused(): void {',
        '  setTimeout(async () => work(), 1);',
        '}',
        'export function handled(): void {',
        '  void work().catch(() => undefined);',
        '}',
        '',
      ].join('\n'),
    );
    const messages = lint([file]).map((m) => m.split(':')[0]);
    expect(messages).toEqual(['@typescript-eslint/no-floating-promises', '@typescript-eslint/no-misused-promises']);
  });
});

/** The rules come from the tree (services/ folders, lib/layers.json): nothing here edits the config. */
describe('eslint zones generated from the folder list', () => {
  it('gives a new service folder the service boundary', async () => {
    const other = await messagesFor(
      `services/${PROBE_SERVICE}/probe.ts`,
      "import { serverTimeouts } from '../ingest/app';\nexport const y = serverTimeouts;\n",
    );
    expect(other.join('\n')).toMatch(/services import lib\/, never each other/);
    const own = await messagesFor(
      `services/${PROBE_SERVICE}/probe.ts`,
      "import { x } from './target';\nimport { createLogger } from '../../lib/platform/logger';\nexport const y = [x, createLogger];\n",
    );
    expect(restricted(own)).toEqual([]);
  });

  it('covers every service folder, engagement included', async () => {
    const into = await messagesFor(
      'services/api/probe.ts',
      "import { startDuePoller } from '../engagement/due.poller';\nexport const y = startDuePoller;\n",
    );
    expect(into.join('\n')).toMatch(/services import lib\/, never each other/);
    const from = await messagesFor(
      'services/engagement/probe.ts',
      "import { systemClock } from '../scheduler/clock';\nexport const y = systemClock;\n",
    );
    expect(from.join('\n')).toMatch(/services import lib\/, never each other/);
  });

  it('keeps platform free of contracts and domain, in a new file of a new folder too', async () => {
    const messages = await messagesFor(
      `lib/platform/${LINT_PROBE_PREFIX}${process.pid}/probe.ts`,
      "import { topicForEvent } from '../../contracts/events/event-topics';\nimport { parseMailbox } from '../../domain/email/email-address';\nexport const y = [topicForEvent, parseMailbox];\n",
    );
    expect(restricted(messages)).toHaveLength(2);
    expect(messages.join('\n')).toMatch(/lib\/platform imports no other layer/);
  });

  it('lets contracts import platform, not domain', async () => {
    const messages = await messagesFor(
      'lib/contracts/probe.ts',
      "import { CairnError } from '../platform/errors';\nimport { parseMailbox } from '../domain/email/email-address';\nexport const y = [CairnError, parseMailbox];\n",
    );
    expect(restricted(messages)).toHaveLength(1);
    expect(messages.join('\n')).toMatch(/lib\/contracts imports only lib\/platform/);
    expect(messages.join('\n')).toMatch(/domain\/email\/email-address/);
  });

  it('lets domain import contracts and platform', async () => {
    const messages = await messagesFor(
      'lib/domain/probe.ts',
      "import { CairnError } from '../platform/errors';\nimport { topicForEvent } from '../contracts/events/event-topics';\nexport const y = [CairnError, topicForEvent];\n",
    );
    expect(restricted(messages)).toEqual([]);
  });
});
