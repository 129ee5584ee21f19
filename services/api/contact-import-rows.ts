import { isEmailAddress } from '../../lib/domain/email/email-address';

/**
 * One import row → one line of PostgreSQL COPY text format for the staging table, or a per-row error naming the
 * field. Known columns map to contact columns; every other column becomes an attribute.
 */
export const STAGED_COLUMNS = [
  'line',
  'email',
  'first_name',
  'last_name',
  'time_zone',
  'consent_level',
  'do_not_bulk_email',
  'allow_follow_email',
  'attributes',
] as const;

export interface RowError {
  row: number;
  field: string;
  message: string;
}

const TEXT_FIELDS = ['first_name', 'last_name', 'time_zone'] as const;
const BOOLEAN_FIELDS = ['do_not_bulk_email', 'allow_follow_email'] as const;
const KNOWN = new Set<string>(['email', 'consent_level', 'attributes', ...TEXT_FIELDS, ...BOOLEAN_FIELDS]);
const TRUE = new Set(['true', '1', 'yes', 'y']);
const FALSE = new Set(['false', '0', 'no', 'n']);
const zones = new Map<string, boolean>();

/** NOTE: COPY text format: backslash, tab, newline and carriage return must be escaped; \N is NULL. */
const NEEDS_ESCAPE = /[\\\t\n\r]/;
const copyText = (value: string | null): string =>
  value === null
    ? '\\N'
    : !NEEDS_ESCAPE.test(value)
      ? value
      : value.replace(/[\\\t\n\r]/g, (ch) =>
          ch === '\\' ? '\\\\' : ch === '\t' ? '\\t' : ch === '\n' ? '\\n' : '\\r',
        );

function validZone(zone: string): boolean {
  let valid = zones.get(zone);
  if (valid === undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      valid = true;
    } catch {
      valid = false;
    }
    if (zones.size < 10_000) zones.set(zone, valid);
  }
  return valid;
}

const blank = (value: unknown): boolean => value === undefined || value === null || value === '';

function parseBoolean(value: unknown): boolean | null | undefined {
  if (blank(value)) return null;
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  return TRUE.has(text) ? true : FALSE.has(text) ? false : undefined;
}

/**
 * Attribute names come from the file (CSV headers, JSON keys), so they go into a prototype-less object: a column
 * named "__proto__" or "constructor" is an attribute like any other. Empty and null values are left out: they
 * keep the stored attribute, as an empty cell keeps a stored column.
 */
function attributesOf(record: Record<string, unknown>): Record<string, unknown> {
  const attributes: Record<string, unknown> = Object.create(null);
  const nested = record.attributes;
  if (typeof nested === 'object' && nested !== null && !Array.isArray(nested))
    for (const [key, value] of Object.entries(nested)) if (!blank(value)) attributes[key] = value;
  for (const [key, value] of Object.entries(record)) if (!KNOWN.has(key) && !blank(value)) attributes[key] = value;
  return attributes;
}

export function stageRow(record: Record<string, unknown>, row: number): string | RowError {
  const email = typeof record.email === 'string' ? record.email.trim() : '';
  if (!isEmailAddress(email)) return { row, field: 'email', message: email ? 'is not a valid address' : 'is required' };
  const cells: Array<string | null> = [String(row), email];
  for (const field of TEXT_FIELDS) {
    const value = record[field];
    if (blank(value)) cells.push(null);
    else if (typeof value !== 'string' || value.length > 200)
      return { row, field, message: 'must be text of at most 200 characters' };
    else if (field === 'time_zone' && !validZone(value))
      return { row, field, message: `unknown time zone "${value.slice(0, 64)}"` };
    else cells.push(value);
  }
  const consent = record.consent_level;
  const level = blank(consent) ? null : Number(consent);
  if (level !== null && !(Number.isInteger(level) && level >= 0 && level <= 5))
    return { row, field: 'consent_level', message: 'must be an integer from 0 to 5' };
  cells.push(level === null ? null : String(level));
  for (const field of BOOLEAN_FIELDS) {
    const value = parseBoolean(record[field]);
    if (value === undefined) return { row, field, message: 'must be true or false' };
    cells.push(value === null ? null : String(value));
  }
  cells.push(JSON.stringify(attributesOf(record)));
  return `${cells.map(copyText).join('\t')}\n`;
}
