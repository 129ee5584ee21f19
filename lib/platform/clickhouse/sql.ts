import { CairnError } from '../errors';

/**
 * The one SQL binding helper. ClickHouse 18.16 has no server-side query parameters, so values are rendered
 * as literals here, and only here: every string is escaped, every number checked finite, identifiers are
 * validated against a strict pattern. User input is never concatenated into SQL anywhere else.
 */
export class Sql {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export type SqlValue =
  string | number | bigint | boolean | Date | null | Sql | Identifier | Tuple | readonly SqlValue[];

/** A parenthesised list for IN: 18.16 does not accept an array literal on the right of IN. */
export class Tuple {
  constructor(readonly values: readonly SqlValue[]) {}
}

export function tuple(values: readonly SqlValue[]): Tuple {
  if (values.length === 0) throw new CairnError('SQL_BAD_VALUE', 'empty IN list');
  return new Tuple(values);
}

export class Identifier {
  constructor(readonly name: string) {}
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** A table/database/column name; refuses anything but [A-Za-z_][A-Za-z0-9_]*. */
export function ident(name: string): Identifier {
  if (!IDENTIFIER.test(name)) throw new CairnError('SQL_BAD_VALUE', `identifier ${JSON.stringify(name)}`);
  return new Identifier(name);
}

const ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\0': '\\0',
  '\b': '\\b',
  '\f': '\\f',
};

export function quoteString(value: string): string {
  return `'${value.replace(/[\\'\n\r\t\0\b\f]/g, (ch) => ESCAPES[ch] ?? ch)}'`;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** 'YYYY-MM-DD hh:mm:ss' in UTC: the DateTime literal both 18.16 and current ClickHouse parse. */
export function formatDateTime(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new CairnError('SQL_BAD_VALUE', 'invalid date');
  return (
    `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`
  );
}

export function literal(value: SqlValue): string {
  if (value === null) return 'NULL';
  if (value instanceof Sql) return value.text;
  if (value instanceof Identifier) return `\`${value.name}\``;
  if (value instanceof Date) return quoteString(formatDateTime(value));
  if (value instanceof Tuple) return `(${value.values.map((item) => literal(item)).join(', ')})`;
  if (Array.isArray(value)) return `[${value.map((item: SqlValue) => literal(item)).join(', ')}]`;
  switch (typeof value) {
    case 'string':
      return quoteString(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? '1' : '0';
    case 'number':
      if (!Number.isFinite(value)) throw new CairnError('SQL_BAD_VALUE', `non-finite number ${value}`);
      return String(value);
    default:
      throw new CairnError('SQL_BAD_VALUE', `unsupported type ${typeof value}`);
  }
}

/** Tagged template: sql`SELECT ... WHERE id = ${id}` binds every interpolation as a literal. */
export function sql(strings: TemplateStringsArray, ...values: SqlValue[]): Sql {
  let text = strings[0] ?? '';
  values.forEach((value, i) => {
    text += literal(value) + (strings[i + 1] ?? '');
  });
  return new Sql(text);
}

/** Joins fragments (e.g. optional WHERE conditions) with a separator. */
export function join(parts: readonly Sql[], separator = ', '): Sql {
  return new Sql(parts.map((part) => part.text).join(separator));
}

export const raw = {
  /** For SQL text written by the developer (never user input), such as migration files. */
  trusted: (text: string): Sql => new Sql(text),
};
