import { join } from 'node:path';
import {
  anchorsOf,
  citationsIn,
  docReferencesIn,
  filesUnder,
  markdownLinksIn,
  pathExists,
  pathsIn,
  readText,
  type PageReference,
} from './doc-references';

const ROOT = join(__dirname, '..', '..');
const CODE = ['.ts', '.js', '.mjs', '.sh', '.json', '.avsc'];
/** The checker and its test hold the patterns they look for. */
const CHECKER = ['test/foundation/doc-references.ts', 'test/foundation/doc-references.test.ts'];

/** Source files whose comments (and test names, descriptions) must cite repository pages only. */
const sources = (): string[] => [
  ...filesUnder(ROOT, ['lib', 'services', 'scripts', 'bench', 'test', 'dashboards'], CODE).filter(
    (file) => !CHECKER.includes(file),
  ),
  'jest.config.js',
  'eslint.config.mjs',
];

/** The pages a newcomer reads. bench/RESULTS.md is a log: its entries name the paths of their day. */
const pages = (): string[] => [
  'README.md',
  ...filesUnder(ROOT, ['docs'], ['.md']),
  ...filesUnder(ROOT, ['dashboards', 'services'], ['README.md']),
];

function missingTargets(references: (PageReference & { from: string })[]): string[] {
  const anchors = new Map<string, Set<string>>();
  const anchorsIn = (page: string): Set<string> => {
    let found = anchors.get(page);
    if (!found) anchors.set(page, (found = anchorsOf(readText(ROOT, page))));
    return found;
  };
  return references.flatMap(({ from, line, page, anchor }) => {
    if (!pathExists(ROOT, page)) return [`${from}:${line}: ${page} does not exist`];
    if (anchor === null || !page.endsWith('.md') || anchorsIn(page).has(anchor)) return [];
    return [`${from}:${line}: ${page} has no heading #${anchor}`];
  });
}

describe('comments cite pages of this repository', () => {
  it('never the team guide or a source document (a seed), by name or number', () => {
    // sql/ is left out: a shipped migration is checksummed and never edited (docs/conventions.md#comments).
    const found = [...sources(), ...pages()].flatMap((file) =>
      citationsIn(readText(ROOT, file)).map((citation) => `${file}:${citation.line}: ${citation.text}`),
    );
    expect(found).toEqual([]);
  });

  it('and every docs page and anchor a source file or migration cites exists', () => {
    const cited = [...sources(), ...filesUnder(ROOT, ['sql'], ['.sql'])].flatMap((from) =>
      docReferencesIn(readText(ROOT, from)).map((reference) => ({ ...reference, from })),
    );
    expect(cited.length).toBeGreaterThan(50);
    expect(missingTargets(cited)).toEqual([]);
  });
});

describe('the README and the docs', () => {
  it('link to pages and headings that exist', () => {
    const links = pages().flatMap((from) =>
      markdownLinksIn(readText(ROOT, from), from).map((link) => ({ ...link, from })),
    );
    expect(missingTargets(links)).toEqual([]);
  });

  it('name only paths that exist', () => {
    const mentions = pages().flatMap((page) => pathsIn(readText(ROOT, page)).map((mention) => ({ page, ...mention })));
    expect(mentions.length).toBeGreaterThan(200);
    const missing = mentions
      .filter(({ path }) => !pathExists(ROOT, path))
      .map(({ page, line, path }) => `${page}:${line}: ${path}`);
    expect(missing).toEqual([]);
  });
});

describe('the checker', () => {
  it('flags citations of the guide and the seeds, not identifiers, verbs or RFC sections', () => {
    const flagged = [
      '/** GUIDE section 7: poison never stalls */',
      '// what the GUIDE forbids',
      ' * the guide section 4 rule 13',
      '// Delivered = Sent - TotalBounced (seed 004)',
      "/** Seed 002's white-paper journey. */",
      "summary: 'Save contacts (the seed's floppy-disk button)'",
      " * the seeds' white-paper journey",
      "it('counts every case as the seed says')",
      '// the engagement seed defines it',
      '// read /work/shared/seeds/004_a8a08750f1d03d76.txt',
    ];
    const clean = [
      'await seedContacts(env, 3);',
      'seed ^= seed << 13;',
      '/** the bench seeds this many contacts */',
      '/** Subject.detail codes (RFC 3463 section 3) */',
      "import { seedWorkspace } from './insights-seed';",
      '// the guide rail of the layout',
    ];
    expect(flagged.map((line) => citationsIn(line).length)).toEqual(flagged.map(() => 1));
    expect(clean.flatMap((line) => citationsIn(line))).toEqual([]);
  });

  it('derives heading anchors as GitHub does', () => {
    const page = [
      '# Journey engine (`services/scheduler`)',
      '## Kafka, the spool and "nothing answered is lost"',
      '### Filters: days, journey, version, account',
      '## Tests',
      '```sh',
      '# not a heading',
      '```',
      '## Tests',
      '<a name="email-insights"></a>',
    ].join('\n');
    expect([...anchorsOf(page)].sort()).toEqual([
      'email-insights',
      'filters-days-journey-version-account',
      'journey-engine-servicesscheduler',
      'kafka-the-spool-and-nothing-answered-is-lost',
      'tests',
      'tests-1',
    ]);
  });

  it('reads the docs pages a comment cites and the links of a page', () => {
    expect(docReferencesIn('// see docs/kpis.md#opens and docs/api.md, not dist/docs/x.md or mydocs/y.md')).toEqual([
      { line: 1, page: 'docs/kpis.md', anchor: 'opens' },
      { line: 1, page: 'docs/api.md', anchor: null },
    ]);
    const page = '[a](kpis.md#opens), [b](../README.md), [c](#tests), [d](https://example.com/x.md)';
    expect(markdownLinksIn(page, 'docs/api.md')).toEqual([
      { line: 1, page: 'docs/kpis.md', anchor: 'opens' },
      { line: 1, page: 'README.md', anchor: null },
      { line: 1, page: 'docs/api.md', anchor: 'tests' },
    ]);
  });

  it('finds the paths a page names, and knows which exist', () => {
    const page = [
      'Built by `services/api/app.ts` and `lib/platform/egress/*.test.ts`; see `docs/kpis.md#opens`.',
      'Placeholders are not paths: `services/<name>/main.ts`, `lib/contracts/events/schemas/…`; nor `npm run demo`.',
      '```',
      'npx tsx services/aggregator/main.ts   # node dist/services/aggregator/main.js',
      '```',
    ].join('\n');
    expect(pathsIn(page).map((mention) => mention.path)).toEqual([
      'services/api/app.ts',
      'lib/platform/egress/*.test.ts',
      'docs/kpis.md',
      'services/aggregator/main.ts',
    ]);
    const existing = ['services/api/app.ts', 'lib/platform/egress/*.test.ts', 'services/api/', 'test/**/*.fault.*'];
    const missing = ['services/api/app.js', 'lib/platform/egress/*.bench.ts', 'lib/insights'];
    expect(existing.filter((path) => !pathExists(ROOT, path))).toEqual([]);
    expect(missing.filter((path) => pathExists(ROOT, path))).toEqual([]);
  });
});
