import { isLintProbe } from '../support/lint-probe';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';

/**
 * What the docs tests check (doc-references.test.ts): comments cite pages of this repository, never documents a
 * maintainer cannot open; every `docs/<page>.md#anchor` they cite exists; every path the README and the docs
 * name exists. Paths are relative to the root, with '/' separators. The rules: docs/conventions.md#comments.
 */

const NOT_SOURCE = new Set(['node_modules', '.git', '.stack', 'dist', 'coverage', 'test-output', 'tmp', '.spool']);

/** Files under `dirs` whose name ends with one of `extensions`, sorted. */
export function filesUnder(root: string, dirs: readonly string[], extensions: readonly string[]): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
      const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) return NOT_SOURCE.has(entry.name) || isLintProbe(entry.name) ? [] : walk(path);
      return entry.isFile() && extensions.some((ext) => entry.name.endsWith(ext)) ? [path] : [];
    });
  return dirs
    .filter((dir) => existsSync(join(root, dir)))
    .flatMap(walk)
    .sort();
}

/**
 * Citations of the team's guide or of the source documents ("seeds") the features were modelled on: neither is in
 * the repository. Identifiers (`seedContacts`), the verb (`seeds them`) and RFC sections are not citations.
 */
const CITATIONS: readonly RegExp[] = [
  /\bGUIDE\b/, // the guide by name, in any form: "GUIDE section 7", "the GUIDE forbids"
  /\bguide\s*(section|§|rule)/i,
  /\bseeds?\s*0\d\d\b/i, // "seed 004", "Seed 002's example"
  /\bseeds\/\d{3}_/i,
  /\b[Ss]eeds?['’]s?(?=\s)/, // "the seed's floppy-disk button", "the seeds' journey"
  /\b(the|its|engagement|glossary)\s+seeds?\b(?!\s*(data|them|it|the|a|an|its|their|with|each|every|one)\b)/i,
];

export interface Citation {
  line: number;
  text: string;
}

export function citationsIn(text: string): Citation[] {
  const cites = (line: string): boolean => CITATIONS.some((pattern) => pattern.test(line));
  return text.split('\n').flatMap((line, i) => (cites(line) ? [{ line: i + 1, text: line.trim() }] : []));
}

/**
 * GitHub's heading anchors: the heading's text in lower case, without punctuation, spaces as hyphens; a repeated
 * anchor gets -1, -2, ... Explicit `<a name="...">` / `id="..."` anchors count too.
 */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    for (const match of line.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(match[1] ?? '');
    const heading = fenced ? null : /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const slug = (heading[1] ?? '')
      .toLowerCase()
      .replace(/<[^>]*>/g, '')
      .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

export interface PageReference {
  line: number;
  /** the page's path from the root, e.g. docs/kpis.md */
  page: string;
  anchor: string | null;
}

/** `docs/<page>.md` and `docs/<page>.md#anchor` as source files and SQL comments write them. */
export function docReferencesIn(text: string): PageReference[] {
  return text.split('\n').flatMap((line, i) =>
    [...line.matchAll(/(?<![\w./-])(docs\/[\w.-]+\.md|README\.md)(?:#([\w-]+))?/g)].map((match) => ({
      line: i + 1,
      page: match[1] ?? '',
      anchor: match[2] ?? null,
    })),
  );
}

/** Relative Markdown links of a page (`[text](page.md#anchor)`, `(#anchor)`), resolved against the page's folder. */
export function markdownLinksIn(markdown: string, pagePath: string): PageReference[] {
  return markdown.split('\n').flatMap((line, i) =>
    [...line.matchAll(/\]\(([^)\s]+)\)/g)].flatMap((match) => {
      const target = match[1] ?? '';
      if (/^[a-z]+:/i.test(target)) return []; // http:, https:, mailto:
      const [file = '', anchor = null] = target.split('#');
      const page = file === '' ? pagePath : posix.normalize(posix.join(dirname(pagePath), file));
      return [{ line: i + 1, page, anchor }];
    }),
  );
}

/** Top folders whose paths the docs name; anything else in backticks is a command, a column, a URL... */
const TREE = /^(lib|services|scripts|test|bench|sql|docs|dashboards|stack)\//;

export interface PathMention {
  line: number;
  path: string;
}

/**
 * Repository paths a page names: in inline code (`services/api/app.ts`), and as words of prose or fenced code
 * (`npx tsx services/aggregator/main.ts`, not `dist/services/...`, which a build writes). Placeholders (`<name>`,
 * `…`) are not paths; a glob (`*.test.ts`) must match a file.
 */
export function pathsIn(markdown: string): PathMention[] {
  const mentions: PathMention[] = [];
  let fenced = false;
  markdown.split('\n').forEach((line, i) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return;
    }
    const bare = [...line.matchAll(/(?<![\w./-])([\w.-]+\/[^\s"'`;|,)\]]*)/g)].map((m) => m[1] ?? '');
    const inCode = [...line.matchAll(/`([^`]+)`/g)].flatMap((m) => (m[1] ?? '').split(/[\s,]+/));
    const words = fenced ? bare : [...bare, ...inCode];
    for (const word of words) {
      const path = word
        .replace(/#.*$/, '')
        .replace(/[.:;)]+$/, '')
        .replace(/^\(/, '');
      const placeholder = /[<>…{}$]|\.\.\.|\/\//.test(path);
      const named = mentions.some((m) => m.line === i + 1 && m.path === path);
      if (TREE.test(path) && !placeholder && !named) mentions.push({ line: i + 1, path });
    }
  });
  return mentions;
}

/** Whether a mentioned path (a file, a folder with or without its trailing '/', or a glob) names something. */
export function pathExists(root: string, path: string): boolean {
  if (!path.includes('*')) return existsSync(join(root, path));
  const literal = (text: string): string => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  // '**/' is any run of folders, '*' any part of one name; everything else is literal
  const pattern = path.split('**/').map((part) => part.split('*').map(literal).join('[^/]*'));
  const glob = new RegExp(`^${pattern.join('(?:.*/)?')}$`);
  const base = path.slice(0, path.indexOf('*')).replace(/[^/]*$/, '');
  if (!existsSync(join(root, base))) return false;
  return filesUnder(root, [base.replace(/\/$/, '')], ['']).some((file) => glob.test(file));
}

export const readText = (root: string, path: string): string => readFileSync(join(root, path), 'utf8');
