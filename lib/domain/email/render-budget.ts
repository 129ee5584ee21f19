/**
 * A size budget for rendering an authored Handlebars template, checked before rendering instead of after: once a
 * render has started it cannot be stopped on the thread that runs it, and a template that iterates over contact
 * data (six nested {{#each}} over a 100-item attribute: 10^12 iterations) or repeats a large value thousands of
 * times never gets to "after".
 *
 * What the go-live check lets through (lib/domain/email/merge-fields.ts: only {{#if}}/{{#unless}} blocks and value
 * helpers, no partials) renders each part of the template at most once, so its output is at most the template's
 * own text plus, for every place a merge field appears, that field's value (HTML-escaped where it is escaped).
 * That bound costs a few property lookups per render; a template with anything else has no bound and is refused.
 */

/** Where each merge field appears and how often; the template text itself covers literals and helper results. */
export interface TemplateShape {
  /** characters of the template source: every literal, fallback and boolean helper result fits in them */
  fixed: number;
  paths: { parts: string[]; escaped: number; raw: number }[];
  /** why no bound exists (a loop, a partial, an unknown helper), or null */
  unbounded: string | null;
}

export interface RenderBudget {
  /** the most characters one render may produce */
  maxChars: number;
}

export class RenderBudgetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RenderBudgetError';
  }
}

/** Handlebars' own helpers: each and with iterate or change context, lookup reads any key, log writes to the console. */
const BUILT_IN = new Set(['each', 'with', 'lookup', 'log', 'helperMissing', 'blockHelperMissing']);

type Node = hbs.AST.Node;

interface Walk {
  helpers: ReadonlySet<string>;
  blockHelpers: ReadonlySet<string>;
  counts: Map<string, { parts: string[]; escaped: number; raw: number }>;
  unbounded: string | null;
}

const isPath = (node: Node): node is hbs.AST.PathExpression => node.type === 'PathExpression';

function count(walk: Walk, path: hbs.AST.PathExpression, escaped: boolean): void {
  if (path.data && path.parts[0] !== 'root') return; // @index, @key …: only loops define them, and loops are refused
  const parts = path.data ? path.parts.slice(1) : path.parts;
  const key = parts.join('\u0000');
  const entry = walk.counts.get(key) ?? { parts, escaped: 0, raw: 0 };
  if (escaped) entry.escaped++;
  else entry.raw++;
  walk.counts.set(key, entry);
}

/** The value paths an expression can output (a helper such as default returns one of its arguments). */
function outputs(walk: Walk, node: Node, escaped: boolean): void {
  if (isPath(node)) return count(walk, node, escaped);
  if (node.type !== 'SubExpression') return;
  const call = node as hbs.AST.SubExpression;
  helperName(walk, call.path);
  for (const param of [...call.params, ...(call.hash?.pairs.map((pair) => pair.value) ?? [])])
    outputs(walk, param, escaped);
}

function helperName(walk: Walk, path: hbs.AST.PathExpression | hbs.AST.Literal): void {
  const name = isPath(path) ? path.original : String((path as hbs.AST.StringLiteral).value);
  if (!walk.helpers.has(name)) walk.unbounded ??= `calls the helper "${name}"`;
}

/** A block's condition: consulted, never written out, but every helper in it must be known. */
function consulted(walk: Walk, node: Node): void {
  if (node.type !== 'SubExpression') return;
  const call = node as hbs.AST.SubExpression;
  helperName(walk, call.path);
  for (const param of [...call.params, ...(call.hash?.pairs.map((pair) => pair.value) ?? [])]) consulted(walk, param);
}

function mustache(walk: Walk, node: hbs.AST.MustacheStatement): void {
  const escaped = node.escaped !== false;
  const args = [...node.params, ...(node.hash?.pairs.map((pair) => pair.value) ?? [])];
  if (args.length === 0 && isPath(node.path)) {
    if (BUILT_IN.has(node.path.original) && !walk.helpers.has(node.path.original))
      walk.unbounded ??= `calls the helper "${node.path.original}"`;
    return count(walk, node.path, escaped);
  }
  helperName(walk, node.path);
  for (const arg of args) outputs(walk, arg, escaped);
}

function visit(walk: Walk, node: Node): void {
  switch (node.type) {
    case 'Program':
      for (const child of (node as hbs.AST.Program).body) visit(walk, child);
      return;
    case 'MustacheStatement':
      return mustache(walk, node as hbs.AST.MustacheStatement);
    case 'BlockStatement': {
      const block = node as hbs.AST.BlockStatement;
      const name = isPath(block.path) ? block.path.original : '';
      if (!walk.blockHelpers.has(name))
        walk.unbounded ??= `has a {{#${name}}} block (it iterates over data or changes context)`;
      for (const param of [...block.params, ...(block.hash?.pairs.map((pair) => pair.value) ?? [])])
        consulted(walk, param);
      if (block.program) visit(walk, block.program);
      if (block.inverse) visit(walk, block.inverse);
      return;
    }
    case 'PartialStatement':
    case 'PartialBlockStatement':
    case 'DecoratorBlock':
    case 'Decorator':
      walk.unbounded ??= `uses a partial or decorator (${node.type})`;
      return;
    default:
      return;
  }
}

/** The shape of a parsed template, measured once per compiled template. */
export function measureTemplate(
  program: hbs.AST.Program,
  sourceLength: number,
  helpers: ReadonlySet<string>,
  blockHelpers: ReadonlySet<string>,
): TemplateShape {
  const walk: Walk = { helpers, blockHelpers, counts: new Map(), unbounded: null };
  visit(walk, program);
  return { fixed: sourceLength, paths: [...walk.counts.values()], unbounded: walk.unbounded };
}

const ESCAPED = /[&<>"'`=]/g;

/** Handlebars' escapeExpression turns each of & < > " ' ` = into an entity of at most six characters. */
function escapedLength(text: string): number {
  if (text.length <= 64) return text.length * 6;
  return text.length + 5 * (text.match(ESCAPED)?.length ?? 0);
}

/** Own properties only, as Handlebars resolves them (prototype access is off by default since 4.6). */
function resolve(root: unknown, parts: readonly string[]): unknown {
  let current = root;
  for (const part of parts) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** An upper bound of the characters a render of this shape produces for this context (Infinity: no bound). */
export function renderBound(shape: TemplateShape, context: unknown): number {
  if (shape.unbounded) return Number.POSITIVE_INFINITY;
  let total = shape.fixed;
  for (const path of shape.paths) {
    const value = resolve(context, path.parts);
    if (value === undefined || value === null) continue;
    const text = typeof value === 'string' ? value : String(value);
    total += path.raw * text.length + (path.escaped > 0 ? path.escaped * escapedLength(text) : 0);
  }
  return total;
}

/** Throws RenderBudgetError when a render of this shape for this context could exceed the budget. */
export function assertWithinBudget(shape: TemplateShape, context: unknown, budget: RenderBudget): void {
  if (shape.unbounded)
    throw new RenderBudgetError(
      `the template ${shape.unbounded}: only {{#if}} and {{#unless}} blocks and the merge-field helpers are rendered`,
    );
  const bound = renderBound(shape, context);
  if (bound > budget.maxChars)
    throw new RenderBudgetError(
      `the template could render ${bound} characters for this recipient, over the budget of ${budget.maxChars}`,
    );
}
