import { isLintProbe } from '../support/lint-probe';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/**
 * The import graph of lib/ and services/ as TypeScript's own scanner reads it (ts.preProcessFile): every
 * import, export-from, import() and require(), type-only imports included, so a cycle that only types close
 * still counts. Paths are relative to the root, with '/' separators.
 */
export interface ImportGraph {
  files: string[];
  /** file -> the files it imports (inside the tree or not: test/, scripts/ ...) */
  edges: Map<string, string[]>;
  /** relative imports that name no file */
  unresolved: { file: string; specifier: string }[];
}

/** What lib/layers.json says: each layer of lib/ and the layers it may import. */
export type Layers = Record<string, { imports: string[] }>;

const posix = (path: string): string => path.split(sep).join('/');

function sourceFiles(root: string, dir: string): string[] {
  const at = join(root, dir);
  if (!existsSync(at)) return [];
  return readdirSync(at, { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory())
      return entry.name === 'node_modules' || isLintProbe(entry.name) ? [] : sourceFiles(root, path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

function resolveImport(root: string, file: string, specifier: string): string | null {
  const base = resolve(root, dirname(file), specifier);
  const candidates = [`${base}.ts`, `${base}.tsx`, base, join(base, 'index.ts'), base.replace(/\.js$/, '.ts')];
  const found = candidates.find((path) => existsSync(path) && statSync(path).isFile());
  return found === undefined ? null : posix(relative(root, found));
}

export function buildImportGraph(root: string, dirs: readonly string[] = ['lib', 'services']): ImportGraph {
  const files = dirs.flatMap((dir) => sourceFiles(root, dir)).sort();
  const edges = new Map<string, string[]>();
  const unresolved: ImportGraph['unresolved'] = [];
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(join(root, file), 'utf8'), true, true);
    const targets = new Set<string>();
    for (const { fileName: specifier } of importedFiles) {
      if (!specifier.startsWith('.')) continue; // a package
      const target = resolveImport(root, file, specifier);
      if (target === null) unresolved.push({ file, specifier });
      else targets.add(target);
    }
    edges.set(file, [...targets].sort());
  }
  return { files, edges, unresolved };
}

/** Files that import one another in a loop (Tarjan's strongly connected components), each as one path round it. */
export function findCycles(graph: ImportGraph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, next);
    low.set(file, next++);
    stack.push(file);
    onStack.add(file);
    for (const target of graph.edges.get(file) ?? []) {
      if (!graph.edges.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) low.set(file, Math.min(low.get(file)!, index.get(target)!));
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    for (let member = stack.pop()!; ; member = stack.pop()!) {
      onStack.delete(member);
      component.push(member);
      if (member === file) break;
    }
    if (component.length > 1 || (graph.edges.get(file) ?? []).includes(file)) components.push(component);
  };
  for (const file of graph.files) if (!index.has(file)) visit(file);
  return components.map((component) => loopThrough(graph, new Set(component)));
}

/** The shortest way from the component's first file (in name order) back to itself, for a readable message. */
function loopThrough(graph: ImportGraph, component: Set<string>): string[] {
  const start = [...component].sort()[0]!;
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const target of graph.edges.get(file) ?? []) {
      if (!component.has(target)) continue;
      if (target === start) {
        const path = [file];
        while (path[0] !== start) path.unshift(cameFrom.get(path[0]!)!);
        return [...path, start];
      }
      if (!cameFrom.has(target)) {
        cameFrom.set(target, file);
        queue.push(target);
      }
    }
  }
  return [start, start];
}

/** lib/<layer>/... -> layer; services/<name>/... -> name; undefined for a file directly in the folder or outside it. */
const folderIn = (file: string, top: string): string | undefined => {
  const parts = file.split('/');
  return parts[0] === top && parts.length > 2 ? parts[1] : undefined;
};
const isTest = (file: string): boolean => /\.test\.tsx?$/.test(file);
const allowed = (layers: Layers, layer: string): string =>
  layers[layer]!.imports.length === 0
    ? 'no other layer'
    : `only ${layers[layer]!.imports.map((l) => `lib/${l}`).join(' and ')}`;

/**
 * The architecture's rules (README "Architecture"; eslint.config.mjs enforces the same zones file by file):
 * lib/ holds only the layers of lib/layers.json, and each layer imports its own files and the layers it names;
 * lib/ imports no service; a service imports lib/ and itself, never another service; running code imports nothing
 * from test/, scripts/ or bench/ (unit tests beside it may use test/). One message per broken import.
 */
export function layerViolations(graph: ImportGraph, layers: Layers): string[] {
  const isLayer = (name: string | undefined): name is string => name !== undefined && Object.hasOwn(layers, name);
  const problems = graph.unresolved.map(({ file, specifier }) => `${file}: import '${specifier}' names no file`);
  for (const file of graph.files) {
    const layer = folderIn(file, 'lib');
    const service = folderIn(file, 'services');
    if (file.startsWith('lib/') && !isLayer(layer))
      problems.push(`${file} is in no layer of lib/layers.json (${Object.keys(layers).join(', ')})`);
    if (file.startsWith('services/') && service === undefined) problems.push(`${file} is in no service's folder`);
    for (const target of graph.edges.get(file) ?? []) {
      const targetLayer = folderIn(target, 'lib');
      const targetService = folderIn(target, 'services');
      if (file.startsWith('lib/') && targetService !== undefined)
        problems.push(`${file} imports ${target}: lib/ imports no service`);
      else if (
        isLayer(layer) &&
        isLayer(targetLayer) &&
        targetLayer !== layer &&
        !layers[layer]!.imports.includes(targetLayer)
      )
        problems.push(`${file} imports ${target}: lib/${layer} imports ${allowed(layers, layer)}`);
      else if (service !== undefined && targetService !== undefined && targetService !== service)
        problems.push(`${file} imports ${target}: services import lib/, never another service`);
      else if (
        !target.startsWith('lib/') &&
        targetService === undefined &&
        !(isTest(file) && target.startsWith('test/'))
      )
        problems.push(`${file} imports ${target}: lib/ and services/ import lib/ and their own service only`);
    }
  }
  return problems;
}
