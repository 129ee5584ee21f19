import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { sizeFindings, sizeFindingsIn, sourcesUnderRule } from './code-size';

// Needs no running service: the unit lane runs it (docs/conventions.md#size).
const ROOT = join(__dirname, '..', '..');

describe('the size of lib/ and services/', () => {
  it('reads the whole tree', () => {
    const files = sourcesUnderRule(ROOT);
    expect(files.length).toBeGreaterThan(200);
    expect(files).toContain('services/api/app.ts');
    expect(files.filter((file) => file.endsWith('.test.ts') || file.startsWith('services/api/ui/'))).toEqual([]);
  });

  // parses every source file: seconds on a loaded machine, past jest's default 5 s
  it('has no file over 300 lines and no function over 60, except where a size comment says why', () => {
    expect(sizeFindings(ROOT)).toEqual([]);
  }, 30_000);
});

/** A function of `lines` lines from its first to its last, with what stands directly above it. */
const fn = (lines: number, above = ''): string =>
  `${above}export function long(): number {\n${'  void 0;\n'.repeat(lines - 3)}  return 1;\n}\n`;
const arrow = (lines: number, above = ''): string =>
  `${above}export const long = (): number => {\n${'  void 0;\n'.repeat(lines - 3)}  return 1;\n};\n`;

describe('the checker, on small sources', () => {
  it('passes a 60-line function and fails a 61-line one, naming it and its first line', () => {
    expect(sizeFindingsIn('a.ts', fn(60))).toEqual([]);
    expect(sizeFindingsIn('a.ts', `// one\n${fn(61)}`)).toEqual(['a.ts:2 long: 61 lines (at most 60)']);
    expect(sizeFindingsIn('a.ts', arrow(60))).toEqual([]);
    expect(sizeFindingsIn('a.ts', arrow(61))).toEqual(['a.ts:1 long: 61 lines (at most 60)']);
  });

  it('counts methods, constructors, accessors, function expressions and callbacks, nested ones too', () => {
    const body = (n: number): string => `{\n${'    void 0;\n'.repeat(n - 2)}  }`;
    const klass = `class K {\n  constructor() ${body(61)}\n  get g(): number ${body(61)}\n  m(): void ${body(61)}\n}\n`;
    expect(sizeFindingsIn('k.ts', klass)).toEqual([
      'k.ts:2 constructor: 61 lines (at most 60)',
      'k.ts:63 g: 61 lines (at most 60)',
      'k.ts:124 m: 61 lines (at most 60)',
    ]);
    const callback = `run(function named() {\n  call(() => {\n${'    void 0;\n'.repeat(60)}  });\n});\n`;
    expect(sizeFindingsIn('c.ts', callback)).toEqual([
      'c.ts:1 named: 64 lines (at most 60)',
      'c.ts:2 (anonymous): 62 lines (at most 60)',
    ]);
  });

  it('lets a size comment directly above exempt a function: a // line or a JSDoc line', () => {
    expect(sizeFindingsIn('a.ts', fn(80, '// size: one table of cases, read top to bottom\n'))).toEqual([]);
    expect(sizeFindingsIn('a.ts', arrow(80, '/**\n * Long.\n * size: measured hot path\n */\n'))).toEqual([]);
    const property = (above: string): string =>
      `export const o = {\n${above}  run: () => {\n${'    void 0;\n'.repeat(70)}  },\n};\n`;
    expect(sizeFindingsIn('o.ts', property(''))).toEqual(['o.ts:2 run: 72 lines (at most 60)']);
    expect(sizeFindingsIn('o.ts', property("  // size: a state machine's one switch\n"))).toEqual([]);
    // a comment that only mentions size, an empty reason, or one further up does not
    expect(sizeFindingsIn('a.ts', fn(61, '// the size: of this\n'))).toHaveLength(1);
    expect(sizeFindingsIn('a.ts', fn(61, '// size:\n'))).toHaveLength(1);
    expect(sizeFindingsIn('a.ts', fn(61, '// size: far away\nconst x = 1;\n'))).toHaveLength(1);
  });

  it('fails a file over 300 lines unless its first comment block says why', () => {
    const lines = (n: number, head = ''): string => `${head}${'void 0;\n'.repeat(n - head.split('\n').length + 1)}`;
    expect(sizeFindingsIn('f.ts', lines(300))).toEqual([]);
    expect(sizeFindingsIn('f.ts', lines(301))).toEqual(['f.ts: 301 lines (at most 300)']);
    expect(sizeFindingsIn('f.ts', lines(301, '// Codec tables.\n// size: generated, one entry a line\n'))).toEqual([]);
    expect(sizeFindingsIn('f.ts', lines(301, '/**\n * Tables.\n * size: generated\n */\n'))).toEqual([]);
    // a size comment further down is a function's, not the file's
    expect(sizeFindingsIn('f.ts', lines(301, '// Tables.\n\n// size: generated\n'))).toHaveLength(1);
  });
});

describe('the checker, on a small tree', () => {
  let root: string;
  const write = (path: string, text: string): void => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'cairn-code-size-'));
    write('lib/platform/long.ts', fn(61));
    write('lib/platform/long.test.ts', fn(61));
    write('services/api/ui/page.ts', fn(61));
    write('services/api/short.ts', fn(10));
    write('scripts/long.ts', fn(61));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('reads lib/ and services/, not tests and not the browser pages', () => {
    expect(sourcesUnderRule(root)).toEqual(['lib/platform/long.ts', 'services/api/short.ts']);
    expect(sizeFindings(root)).toEqual(['lib/platform/long.ts:1 long: 61 lines (at most 60)']);
  });
});
