import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildImportGraph, findCycles, layerViolations, type Layers } from './import-graph';

// Needs no running service: the unit lane may run it by name.
const ROOT = join(__dirname, '..', '..');
const layersOf = (root: string): Layers => JSON.parse(readFileSync(join(root, 'lib', 'layers.json'), 'utf8')) as Layers;

describe('the import graph of lib/ and services/', () => {
  const graph = buildImportGraph(ROOT);

  it('reads every file, type-only imports included', () => {
    expect(graph.files.length).toBeGreaterThan(200);
    // `import type { ApiDeps }`: a cycle that only types close is still a cycle
    expect(graph.edges.get('services/api/routes/segments.routes.ts')).toContain('services/api/api-deps.ts');
  });

  it('has no cycle', () => {
    expect(findCycles(graph).map((loop) => loop.join(' -> '))).toEqual([]);
  });

  it('keeps the layers and the service boundaries', () => {
    expect(layerViolations(graph, layersOf(ROOT))).toEqual([]);
  });
});

describe('the checker, on a small tree that breaks every rule', () => {
  let root: string;
  const write = (path: string, text: string): void => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'cairn-import-graph-'));
    write('lib/layers.json', readFileSync(join(ROOT, 'lib', 'layers.json'), 'utf8'));
    write('lib/platform/a.ts', "import { b } from '../contracts/b';\nexport const a = b;\n");
    write('lib/platform/e.ts', "import { x } from '../../services/one/x';\nexport const e = x;\n");
    write('lib/contracts/b.ts', "import { c } from '../domain/c';\nexport const b = c;\n");
    write('lib/domain/c.ts', "import { d } from './d';\nexport const c = d;\n");
    write('lib/domain/d.ts', "import type { C } from './c';\nexport const d = 1;\nexport type D = C;\n");
    write(
      'lib/domain/ok.ts',
      "import { a } from '../platform/a';\nimport { b } from '../contracts/b';\nexport const ok = [a, b];\n",
    );
    write('lib/stray.ts', 'export const stray = 1;\n');
    write('services/one/x.ts', "import { y } from '../two/y';\nexport const x = y;\n");
    write('services/one/u.ts', "export { m } from './missing';\n");
    write('services/two/y.ts', "import { z } from '../../test/support/z';\nexport const y = z;\n");
    write(
      'services/two/y.test.ts',
      "import { z } from '../../test/support/z';\nimport { y } from './y';\nit('y', () => expect(y).toBe(z));\n",
    );
    write('test/support/z.ts', 'export const z = 1;\n');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('finds a cycle closed by a type-only import, naming its files', () => {
    expect(findCycles(buildImportGraph(root))).toEqual([['lib/domain/c.ts', 'lib/domain/d.ts', 'lib/domain/c.ts']]);
  });

  it('names each broken rule with the files', () => {
    expect(layerViolations(buildImportGraph(root), layersOf(root)).sort()).toEqual(
      [
        "services/one/u.ts: import './missing' names no file",
        'lib/stray.ts is in no layer of lib/layers.json (platform, contracts, domain)',
        'lib/platform/a.ts imports lib/contracts/b.ts: lib/platform imports no other layer',
        'lib/platform/e.ts imports services/one/x.ts: lib/ imports no service',
        'lib/contracts/b.ts imports lib/domain/c.ts: lib/contracts imports only lib/platform',
        'services/one/x.ts imports services/two/y.ts: services import lib/, never another service',
        'services/two/y.ts imports test/support/z.ts: lib/ and services/ import lib/ and their own service only',
      ].sort(),
    );
  });
});
