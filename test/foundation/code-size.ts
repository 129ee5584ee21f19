import { isLintProbe } from '../support/lint-probe';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/**
 * The size rule of docs/conventions.md#size: no source file over 300 lines, no function over 60, except where a
 * comment says why (`// size: <reason>`, or a line `size: <reason>` in a JSDoc). A function counts every line from
 * its first to its last, nested functions included; a file counts its lines as `wc -l` does.
 */
export const MAX_FILE_LINES = 300;
export const MAX_FUNCTION_LINES = 60;

/** `// size: why`, ` * size: why` or `/** size: why` on a line of its own. */
const SIZE_REASON = /^\s*(?:\/\/|\/\*+|\*)\s*size:\s*\S/m;

/** Where a function's size comment goes: its own statement, class member or property, or the one it stands in. */
const isAnchor = (node: ts.Node): boolean =>
  ts.isPropertyAssignment(node) ||
  ts.isShorthandPropertyAssignment(node) ||
  ts.isPropertyDeclaration(node) ||
  ts.isMethodDeclaration(node) ||
  ts.isConstructorDeclaration(node) ||
  ts.isAccessor(node) ||
  ts.isSourceFile(node.parent) ||
  ts.isBlock(node.parent) ||
  ts.isModuleBlock(node.parent) ||
  ts.isCaseOrDefaultClause(node.parent);

type FunctionNode =
  | ts.FunctionDeclaration
  | ts.MethodDeclaration
  | ts.ConstructorDeclaration
  | ts.AccessorDeclaration
  | ts.ArrowFunction
  | ts.FunctionExpression;

const isFunction = (node: ts.Node): node is FunctionNode =>
  ts.isFunctionDeclaration(node) ||
  ts.isMethodDeclaration(node) ||
  ts.isConstructorDeclaration(node) ||
  ts.isAccessor(node) ||
  ts.isArrowFunction(node) ||
  ts.isFunctionExpression(node);

function anchorOf(node: ts.Node): ts.Node {
  let at = node;
  while (!isAnchor(at) && !ts.isSourceFile(at.parent)) at = at.parent;
  return at;
}

/** The comments directly above a node (only white space between them and it). */
function commentsAbove(text: string, node: ts.Node): string {
  const ranges = ts.getLeadingCommentRanges(text, node.getFullStart()) ?? [];
  return ranges.map((range) => text.slice(range.pos, range.end)).join('\n');
}

/** The file's first comment: a block comment, or a run of `//` lines with no blank line or code between them. */
function firstCommentBlock(text: string): string {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, text);
  const lines: string[] = [];
  let newlines = 0;
  for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; token = scanner.scan()) {
    if (token === ts.SyntaxKind.WhitespaceTrivia || token === ts.SyntaxKind.ShebangTrivia) continue;
    if (token === ts.SyntaxKind.NewLineTrivia) newlines += 1;
    else if (token === ts.SyntaxKind.MultiLineCommentTrivia && lines.length === 0) return scanner.getTokenText();
    else if (token === ts.SyntaxKind.SingleLineCommentTrivia && (lines.length === 0 || newlines < 2)) {
      lines.push(scanner.getTokenText());
      newlines = 0;
    } else if (lines.length > 0) break;
  }
  return lines.join('\n');
}

function nameOf(node: FunctionNode): string {
  if (node.name !== undefined) return node.name.getText();
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent as ts.Node & { name?: ts.Node };
  return parent.name !== undefined ? parent.name.getText() : '(anonymous)';
}

const lineCount = (text: string): number => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);

/** The size rule's findings in one file's text, each as `path: N lines` or `path:line name: N lines`. */
export function sizeFindingsIn(path: string, text: string): string[] {
  const findings: string[] = [];
  const lines = lineCount(text);
  if (lines > MAX_FILE_LINES && !SIZE_REASON.test(firstCommentBlock(text)))
    findings.push(`${path}: ${lines} lines (at most ${MAX_FILE_LINES})`);
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const lineOf = (position: number): number => source.getLineAndCharacterOfPosition(position).line + 1;
  const visit = (node: ts.Node): void => {
    if (isFunction(node)) {
      const first = lineOf(node.getStart(source));
      const length = lineOf(node.getEnd()) - first + 1;
      if (length > MAX_FUNCTION_LINES && !SIZE_REASON.test(commentsAbove(text, anchorOf(node))))
        findings.push(`${path}:${first} ${nameOf(node)}: ${length} lines (at most ${MAX_FUNCTION_LINES})`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return findings;
}

/** Every `.ts` file the rule covers under `dirs`: not tests, not the browser pages' sources (services/api/ui). */
export function sourcesUnderRule(root: string, dirs: readonly string[] = ['lib', 'services']): string[] {
  const walk = (dir: string): string[] => {
    if (dir === 'services/api/ui' || !existsSync(join(root, dir))) return [];
    return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) return entry.name === 'node_modules' || isLintProbe(entry.name) ? [] : walk(path);
      return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
    });
  };
  return dirs.flatMap(walk).sort();
}

/** The size rule's findings over a tree. */
export function sizeFindings(root: string, dirs?: readonly string[]): string[] {
  return sourcesUnderRule(root, dirs).flatMap((path) => sizeFindingsIn(path, readFileSync(join(root, path), 'utf8')));
}
