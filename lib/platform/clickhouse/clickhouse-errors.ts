import { ClickHouseError } from '@clickhouse/client';

/**
 * ClickHouse error codes a row's value causes, the same on 18.16 and current servers: cannot parse
 * text/quoted string/input/date/datetime/number (6, 26, 27, 38, 41, 72), read past the end of a value (32, 33),
 * type mismatch (53), argument out of bound (69), cannot convert type (70), incorrect data (117), string too large
 * (131), value out of the type's range (321).
 */
const DATA_CODES = new Set([6, 26, 27, 32, 33, 38, 41, 53, 69, 70, 72, 117, 131, 321]);

function codeOf(error: Error): number | null {
  if (error instanceof ClickHouseError && /^\d+$/.test(error.code)) return Number(error.code);
  // 18.16's text ("Code: 27, e.displayText() = DB::Exception: ...") does not match the client's pattern and
  // arrives as a plain Error.
  const match = /^Code: (\d+)[,.]/.exec(error.message);
  return match ? Number(match[1]) : null;
}

/**
 * For an error ClickHouse answered: whether a row's value caused it (`true`: the same rows fail again) rather than
 * the server's state (overload, memory, parts, permissions: `false`). `null` for any other error.
 */
export function isClickHouseDataError(error: unknown): boolean | null {
  if (!(error instanceof Error)) return null;
  const code = codeOf(error);
  return code === null ? null : DATA_CODES.has(code);
}
