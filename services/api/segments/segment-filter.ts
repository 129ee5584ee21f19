import { ownValue } from '../../../lib/platform/own-property';

/**
 * The segment filter language (docs/api.md): JSON, compiled to a parameterised PostgreSQL predicate over
 * `contacts c`. Values are always bound parameters; field names come only from the whitelist below, looked up
 * as own properties (lib/platform/own-property.ts: "constructor" or "__proto__" are unknown fields, not Object.prototype's).
 *
 *   {"all": [cond, ...]}  {"any": [cond, ...]}  {"not": cond}
 *   {"field": "consent_level", "op": "gte", "value": 3}
 *   {"field": "attributes.city", "op": "eq", "value": "Oslo"}
 *   {"behaviour": "opened" | "clicked" | "not_opened" | "not_clicked", "email_id": "<uuid>", "within_days": 30}
 */
export type FilterOp =
  'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte' | 'in' | 'contains' | 'starts_with' | 'exists' | 'not_exists';

export const BEHAVIOURS = ['opened', 'clicked', 'not_opened', 'not_clicked'] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];

export interface BehaviourCondition {
  behaviour: Behaviour;
  email_id: string;
  within_days: number;
}

export type SegmentFilter =
  | { all: SegmentFilter[] }
  | { any: SegmentFilter[] }
  | { not: SegmentFilter }
  | { field: string; op: FilterOp; value?: unknown }
  | BehaviourCondition;

export class SegmentFilterError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'SegmentFilterError';
  }
}

type ColumnKind = 'text' | 'number' | 'boolean' | 'uuid' | 'time';

export const FILTER_COLUMNS: Record<string, ColumnKind> = {
  email: 'text',
  first_name: 'text',
  last_name: 'text',
  time_zone: 'text',
  consent_level: 'number',
  do_not_bulk_email: 'boolean',
  allow_follow_email: 'boolean',
  account_id: 'uuid',
  created_at: 'time',
};

const COMPARISONS: Record<string, string> = { eq: '=', ne: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' };
const MAX_DEPTH = 8;

/** Contact ids per behaviour condition, resolved beforehand (ClickHouse) so compilation stays pure. */
export type BehaviourAnswers = ReadonlyMap<string, readonly string[]>;
export const behaviourKey = (c: BehaviourCondition): string => `${c.behaviour}:${c.email_id}:${c.within_days}`;

export class FilterCompiler {
  readonly params: unknown[];

  constructor(
    firstParams: unknown[],
    private readonly answers: BehaviourAnswers = new Map(),
  ) {
    this.params = [...firstParams];
  }

  private bind(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  compile(filter: unknown, where = 'definition', depth = 0): string {
    if (depth > MAX_DEPTH) throw new SegmentFilterError(where, `filters nest at most ${MAX_DEPTH} levels`);
    if (typeof filter !== 'object' || filter === null || Array.isArray(filter))
      throw new SegmentFilterError(
        where,
        'expected an object: {all}, {any}, {not}, {field, op, value} or {behaviour, email_id, within_days}',
      );
    const node = filter as Record<string, unknown>;
    if ('all' in node || 'any' in node) return this.group(node, where, depth);
    if ('not' in node) return `NOT (${this.compile(node.not, `${where}.not`, depth + 1)})`;
    if ('behaviour' in node) return this.behaviour(node, where);
    if ('field' in node) return this.condition(node, where);
    throw new SegmentFilterError(where, 'unknown filter node; expected all, any, not, field or behaviour');
  }

  private group(node: Record<string, unknown>, where: string, depth: number): string {
    const key = 'all' in node ? 'all' : 'any';
    const items = node[key];
    if (!Array.isArray(items) || items.length === 0)
      throw new SegmentFilterError(`${where}.${key}`, 'needs a non-empty array');
    const parts = items.map((item, i) => `(${this.compile(item, `${where}.${key}[${i}]`, depth + 1)})`);
    return parts.join(key === 'all' ? ' AND ' : ' OR ');
  }

  private behaviour(node: Record<string, unknown>, where: string): string {
    const condition = parseBehaviour(node, where);
    const ids = this.answers.get(behaviourKey(condition));
    if (!ids) throw new SegmentFilterError(where, 'behaviour condition was not resolved');
    const positive = condition.behaviour === 'opened' || condition.behaviour === 'clicked';
    return `${positive ? '' : 'NOT '}(c.id = ANY(${this.bind(ids)}::uuid[]))`;
  }

  private condition(node: Record<string, unknown>, where: string): string {
    const field = node.field;
    const op = typeof node.op === 'string' ? node.op : '';
    if (typeof field !== 'string') throw new SegmentFilterError(`${where}.field`, 'field must be a string');
    const [expr, kind] = this.column(field, `${where}.field`);
    if (op === 'exists') return `${expr} IS NOT NULL`;
    if (op === 'not_exists') return `${expr} IS NULL`;
    const value = node.value;
    if (op === 'in') {
      if (!Array.isArray(value) || value.length === 0)
        throw new SegmentFilterError(`${where}.value`, 'in needs a non-empty array');
      return `${castFor(expr, kind, value[0])} = ANY(${this.bind(value.map(String))}::${pgArrayType(kind, value[0])})`;
    }
    if (op === 'contains' || op === 'starts_with') {
      if (typeof value !== 'string') throw new SegmentFilterError(`${where}.value`, `${op} needs a string`);
      const pattern = value.replace(/[\\%_]/g, (ch) => `\\${ch}`);
      return `${expr}::text ILIKE ${this.bind(op === 'contains' ? `%${pattern}%` : `${pattern}%`)}`;
    }
    const comparison = ownValue(COMPARISONS, op);
    if (!comparison)
      throw new SegmentFilterError(
        `${where}.op`,
        `unknown op "${String(node.op)}"; use ${[...Object.keys(COMPARISONS), 'in', 'contains', 'starts_with', 'exists', 'not_exists'].join(', ')}`,
      );
    if (value === undefined || value === null || typeof value === 'object')
      throw new SegmentFilterError(`${where}.value`, 'value must be a string, number or boolean');
    return `${castFor(expr, kind, value)} ${comparison} ${this.bind(value)}${paramCast(kind, value)}`;
  }

  private column(field: string, where: string): [string, ColumnKind | 'json'] {
    const kind = ownValue(FILTER_COLUMNS, field);
    if (kind) return [`c.${field}`, kind];
    const match = /^attributes\.([A-Za-z0-9_-]{1,64})$/.exec(field);
    if (match) return [`(c.attributes ->> ${this.bind(match[1])})`, 'json'];
    throw new SegmentFilterError(
      where,
      `unknown field "${field}"; use ${Object.keys(FILTER_COLUMNS).join(', ')} or attributes.<key>`,
    );
  }
}

/** Attribute values are text in JSON; numbers compare numerically only where the attribute is numeric. */
function castFor(expr: string, kind: ColumnKind | 'json', value: unknown): string {
  if (kind !== 'json') return expr;
  if (typeof value === 'number') return `(CASE WHEN ${expr} ~ '^-?[0-9]+(\\.[0-9]+)?$' THEN ${expr}::numeric END)`;
  return expr;
}

function paramCast(kind: ColumnKind | 'json', value: unknown): string {
  if (kind === 'json') return typeof value === 'number' ? '::numeric' : '::text';
  return { text: '::text', number: '::numeric', boolean: '::boolean', uuid: '::uuid', time: '::timestamptz' }[kind];
}

function pgArrayType(kind: ColumnKind | 'json', sample: unknown): string {
  if (kind === 'json') return typeof sample === 'number' ? 'numeric[]' : 'text[]';
  return { text: 'text[]', number: 'numeric[]', boolean: 'boolean[]', uuid: 'uuid[]', time: 'timestamptz[]' }[kind];
}

export function parseBehaviour(node: Record<string, unknown>, where: string): BehaviourCondition {
  if (!BEHAVIOURS.includes(node.behaviour as Behaviour))
    throw new SegmentFilterError(`${where}.behaviour`, `use one of ${BEHAVIOURS.join(', ')}`);
  if (typeof node.email_id !== 'string' || !/^[0-9a-f-]{36}$/i.test(node.email_id))
    throw new SegmentFilterError(`${where}.email_id`, 'email_id must be a uuid');
  const days = node.within_days;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > 3650)
    throw new SegmentFilterError(`${where}.within_days`, 'within_days must be an integer from 1 to 3650');
  return { behaviour: node.behaviour as Behaviour, email_id: node.email_id, within_days: days };
}

/** Every behaviour condition in a filter, for resolving against ClickHouse before compiling. */
export function behaviourConditions(filter: unknown, where = 'definition', depth = 0): BehaviourCondition[] {
  if (typeof filter !== 'object' || filter === null || depth > MAX_DEPTH) return [];
  const node = filter as Record<string, unknown>;
  if ('behaviour' in node) return [parseBehaviour(node, where)];
  const children = [
    ...(Array.isArray(node.all) ? node.all : []),
    ...(Array.isArray(node.any) ? node.any : []),
    ...('not' in node ? [node.not] : []),
  ];
  return children.flatMap((child) => behaviourConditions(child, where, depth + 1));
}
