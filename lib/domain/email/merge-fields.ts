import { ownValue } from '../../platform/own-property';
import { BLOCK_HELPERS, parseTemplate, VALUE_HELPERS } from './merge-template';

export interface TemplateIssue {
  field: string;
  message: string;
}

/** What each merge-field root resolves to; `attributes.*` / `social_links.*` accept any key (JSON columns). */
export const MERGE_FIELDS: Record<string, { fields: string[]; open?: string }> = {
  contact: {
    fields: ['id', 'email', 'first_name', 'last_name', 'time_zone', 'consent_level', 'account_id'],
    open: 'attributes',
  },
  account: { fields: ['id', 'name'], open: 'attributes' },
  content: { fields: ['subscription_center_url', 'forward_url', 'postal_address'], open: 'social_links' },
};

const HELPERS = new Set<string>([...Object.keys(VALUE_HELPERS), ...BLOCK_HELPERS]);

type Node = hbs.AST.Node & Record<string, unknown>;

/** The shape Mustache, Block and SubExpression nodes share. */
interface CallNode {
  path: hbs.AST.PathExpression | hbs.AST.Literal;
  params: hbs.AST.Expression[];
  hash?: hbs.AST.Hash;
  program?: hbs.AST.Program;
  inverse?: hbs.AST.Program;
  loc?: hbs.AST.SourceLocation;
}

/** Why a dotted path cannot be resolved, or null when it can. */
export function unresolvable(path: string): string | null {
  const [root = '', name, ...rest] = path.split('.');
  // roots and fields are the template's words: own properties only ("constructor" is no root)
  const spec = ownValue(MERGE_FIELDS, root);
  if (!spec) return `unknown root "${root}"; merge fields start with ${Object.keys(MERGE_FIELDS).join(', ')}`;
  if (name === undefined) return `"${root}" needs a field, e.g. ${root}.${spec.fields[0]}`;
  if (name === spec.open) return rest.length > 0 ? null : `${root}.${name} needs a key, e.g. ${root}.${name}.city`;
  if (rest.length === 0 && spec.fields.includes(name)) return null;
  return `${root} has no field "${[name, ...rest].join('.')}"; known: ${[...spec.fields, `${spec.open}.<key>`].join(', ')}`;
}

interface Walk {
  where: string;
  issues: TemplateIssue[];
  fields: Set<string>;
}

function checkPath(node: Node, walk: Walk, escaped: boolean): void {
  if (node.type !== 'PathExpression') return;
  const path = node as unknown as hbs.AST.PathExpression;
  if (path.data || path.original === 'this') return;
  const line = path.loc?.start.line ?? 0;
  const problem = unresolvable(path.original);
  walk.fields.add(path.original);
  if (problem)
    walk.issues.push({
      field: walk.where,
      message: `line ${line}: merge field {{${path.original}}} cannot be resolved: ${problem}`,
    });
  else if (!escaped && !path.original.startsWith('content.'))
    walk.issues.push({
      field: walk.where,
      message: `line ${line}: {{{${path.original}}}} is not HTML-escaped; use {{${path.original}}}`,
    });
}

function checkCall(node: Node, walk: Walk, escaped: boolean): void {
  const call = node as unknown as CallNode;
  const hasArgs = call.params.length > 0 || (call.hash?.pairs.length ?? 0) > 0 || node.type !== 'MustacheStatement';
  const name = (call.path as hbs.AST.PathExpression).original;
  if (hasArgs) {
    if (!HELPERS.has(name))
      walk.issues.push({
        field: walk.where,
        message: `line ${call.loc?.start.line ?? 0}: unknown helper "${name}"; available: ${[...HELPERS].join(', ')}`,
      });
  } else checkPath(call.path as unknown as Node, walk, escaped);
  for (const param of [...call.params, ...(call.hash?.pairs.map((pair) => pair.value) ?? [])])
    visit(param as Node, walk, true);
  if (call.program) visit(call.program as unknown as Node, walk, true);
  if (call.inverse) visit(call.inverse as unknown as Node, walk, true);
}

function visit(node: Node, walk: Walk, escaped: boolean): void {
  switch (node.type) {
    case 'Program':
      for (const child of (node as unknown as hbs.AST.Program).body) visit(child as Node, walk, true);
      return;
    case 'MustacheStatement':
      return checkCall(node, walk, (node as unknown as hbs.AST.MustacheStatement).escaped !== false);
    case 'BlockStatement':
    case 'SubExpression':
      return checkCall(node, walk, true);
    case 'PathExpression':
      return checkPath(node, walk, escaped);
    case 'PartialStatement':
    case 'PartialBlockStatement':
    case 'DecoratorBlock':
      walk.issues.push({ field: walk.where, message: `partials and decorators are not supported (${node.type})` });
      return;
    default:
      return;
  }
}

/** Every merge field in a template, and every problem with them (syntax, unknown fields, unknown helpers). */
export function checkMergeFields(source: string, where: string): { issues: TemplateIssue[]; fields: string[] } {
  const walk: Walk = { where, issues: [], fields: new Set() };
  try {
    visit(parseTemplate(source) as unknown as Node, walk, true);
  } catch (error) {
    const first = (error as Error).message.split('\n')[0] ?? 'syntax error';
    walk.issues.push({ field: where, message: `merge field syntax error: ${first}` });
  }
  return { issues: walk.issues, fields: [...walk.fields] };
}
