import Handlebars from 'handlebars';
import { assertWithinBudget, measureTemplate, type RenderBudget, type TemplateShape } from './render-budget';

/**
 * Handlebars merge fields over {contact, account, content}. `{{field}}` is HTML-escaped (Handlebars default);
 * fallbacks use `{{default contact.first_name "there"}}`; dynamic content blocks use
 * `{{#if (eq contact.city "Oslo")}}...{{else}}...{{/if}}`. Only the helpers below exist (knownHelpersOnly), so a
 * template cannot call anything the error check did not see.
 */
export interface MergeContext {
  contact: Record<string, unknown>;
  account: Record<string, unknown>;
  content: Record<string, unknown>;
}

const isBlank = (value: unknown): boolean => value === undefined || value === null || value === '';

type Helper = (...args: unknown[]) => unknown;

/** Helpers take Handlebars' trailing options object last; the comparisons ignore it. */
export const VALUE_HELPERS: Record<string, Helper> = {
  default: (value, fallback) => (isBlank(value) ? fallback : value),
  eq: (a, b) => a === b || (a !== undefined && a !== null && String(a) === String(b)),
  ne: (a, b) => !(a === b || (a !== undefined && a !== null && String(a) === String(b))),
  gt: (a, b) => Number(a) > Number(b),
  gte: (a, b) => Number(a) >= Number(b),
  lt: (a, b) => Number(a) < Number(b),
  lte: (a, b) => Number(a) <= Number(b),
  and: (a, b) => Boolean(a) && Boolean(b),
  or: (a, b) => Boolean(a) || Boolean(b),
  not: (a) => !a,
  contains: (a, b) => typeof a === 'string' && typeof b === 'string' && a.toLowerCase().includes(b.toLowerCase()),
};

export const BLOCK_HELPERS = ['if', 'unless'] as const;

const handlebars = Handlebars.create();
for (const [name, helper] of Object.entries(VALUE_HELPERS)) handlebars.registerHelper(name, helper);

const knownHelpers = Object.fromEntries([...Object.keys(VALUE_HELPERS), ...BLOCK_HELPERS].map((name) => [name, true]));

export type MergeTemplate = (context: MergeContext) => string;

const HELPER_NAMES: ReadonlySet<string> = new Set([...Object.keys(VALUE_HELPERS), ...BLOCK_HELPERS]);
const BLOCK_HELPER_NAMES: ReadonlySet<string> = new Set(BLOCK_HELPERS);

type CompileOptions = Parameters<typeof handlebars.compile>[1];

/**
 * Compiles once; with a budget, every render first checks the template's size bound for its context and throws
 * RenderBudgetError instead of rendering (lib/domain/email/render-budget.ts). A template that does not parse is left to
 * fail when rendered, as Handlebars does.
 */
function compile(
  source: string,
  options: CompileOptions,
  budget: RenderBudget | undefined,
): (context: MergeContext) => string {
  let program: hbs.AST.Program | null = null;
  try {
    if (budget) program = handlebars.parse(source);
  } catch {
    program = null;
  }
  const shape: TemplateShape | null = program
    ? measureTemplate(program, source.length, HELPER_NAMES, BLOCK_HELPER_NAMES)
    : null;
  const template = handlebars.compile(program ?? source, options);
  if (!shape) return (context) => template(context);
  const measured = shape;
  return (context) => {
    assertWithinBudget(measured, context, budget as RenderBudget);
    return template(context);
  };
}

/** Compile once (per version, in the sender), render per recipient. */
export function compileMergeTemplate(source: string, budget?: RenderBudget): MergeTemplate {
  return compile(source, { knownHelpers, knownHelpersOnly: true, strict: false }, budget);
}

/** Header values (subject, from name) stay single-line: CR, LF and NUL become spaces. */
export function compileHeaderTemplate(source: string, budget?: RenderBudget): MergeTemplate {
  const template = compile(source, { knownHelpers, knownHelpersOnly: true, noEscape: true }, budget);
  return (context) =>
    template(context)
      .replace(/[\r\n\0]+/g, ' ')
      .trim();
}

export const parseTemplate = (source: string): hbs.AST.Program => handlebars.parse(source);

/** Plain-text parts: nothing to HTML-escape, line breaks kept. */
export function compileTextTemplate(source: string, budget?: RenderBudget): MergeTemplate {
  return compile(source, { knownHelpers, knownHelpersOnly: true, noEscape: true }, budget);
}
