import { parse } from 'csv-parse';
import { randomBytes } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Pool, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Logger } from '../../lib/platform/logger';
import { ApiProblem } from './api-problem';
import { STAGED_COLUMNS, stageRow, type RowError } from './contact-import-rows';

export type ImportFormat = 'csv' | 'ndjson';

export interface ImportOptions {
  format: ImportFormat;
  /** reject: any bad row rolls the whole import back (422); skip: good rows land, bad rows are reported */
  onError: 'reject' | 'skip';
  maxBytes: number;
  /** longest NDJSON line or CSV record in bytes (400 naming the line above) */
  maxLineBytes: number;
  maxErrors: number;
  log: Logger;
}

export interface ImportResult {
  received: number;
  created: number;
  updated: number;
  duplicates: number;
  rejected: number;
  errors: RowError[];
}

interface Progress {
  received: number;
  rejected: number;
  errors: RowError[];
  started: number;
}

function byteLimit(maxBytes: number): Transform {
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) done(new ApiProblem(413, `import body exceeds ${maxBytes} bytes; split the file`));
      else done(null, chunk);
    },
  });
}

/**
 * NDJSON lines → records. Only the new chunk is searched for newlines (the pending part of a line is kept as
 * buffers and joined once), so the work is linear in the body; a line longer than maxLineBytes is refused as it
 * grows, before it is buffered any further (bounded work per request: docs/security.md#api-input-and-credentials).
 */
function ndjsonRecords(maxLineBytes: number): Transform {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let line = 0;
  const tooLong = (): ApiProblem => lineTooLong(line + 1, maxLineBytes);
  const emit = (stream: Transform, bytes: Buffer): void => {
    line += 1;
    const text = bytes.toString('utf8');
    if (text.trim() === '') return;
    try {
      const value: unknown = JSON.parse(text);
      stream.push(
        typeof value === 'object' && value !== null && !Array.isArray(value)
          ? { line, value }
          : { line, error: 'line is not a JSON object' },
      );
    } catch {
      stream.push({ line, error: 'line is not valid JSON' });
    }
  };
  return new Transform({
    readableObjectMode: true,
    transform(chunk: Buffer, _enc, done) {
      let start = 0;
      for (let end = chunk.indexOf(0x0a); end !== -1; end = chunk.indexOf(0x0a, start)) {
        const part = chunk.subarray(start, end);
        if (pendingBytes + part.length > maxLineBytes) return done(tooLong());
        emit(this, pendingBytes === 0 ? part : Buffer.concat([...pending, part]));
        pending = [];
        pendingBytes = 0;
        start = end + 1;
      }
      const rest = chunk.subarray(start);
      if (pendingBytes + rest.length > maxLineBytes) return done(tooLong());
      if (rest.length > 0) pending.push(rest);
      pendingBytes += rest.length;
      done();
    },
    flush(done) {
      if (pendingBytes > 0) emit(this, Buffer.concat(pending));
      done();
    },
  });
}

function lineTooLong(line: number, maxLineBytes: number): ApiProblem {
  const message = `line ${line} is longer than ${maxLineBytes} bytes (CAIRN_API_IMPORT_MAX_LINE_BYTES); nothing was imported`;
  return new ApiProblem(400, message, [{ field: `rows[${line}].row`, message: `longer than ${maxLineBytes} bytes` }]);
}

interface SourceRecord {
  line: number;
  value?: Record<string, unknown>;
  error?: string;
}

/** Turns csv-parse arrays into records keyed by the header row (null for the header itself); row = record number. */
function csvRecordReader(): (chunk: unknown) => SourceRecord | null {
  let header: string[] | null = null;
  let row = 1;
  return (chunk) => {
    const cells = chunk as string[];
    if (!header) {
      header = cells.map((cell) => cell.trim().toLowerCase());
      if (!header.includes('email'))
        throw new ApiProblem(400, 'the CSV header has no email column', [
          { field: 'header', message: 'add an "email" column' },
        ]);
      return null;
    }
    row += 1;
    if (cells.length !== header.length)
      return { line: row, error: `expected ${header.length} columns, found ${cells.length}` };
    // header names are the file's: a prototype-less record keeps "__proto__" an ordinary column
    const value: Record<string, unknown> = Object.create(null);
    for (let i = 0; i < header.length; i++) value[header[i] as string] = cells[i];
    return { line: row, value };
  };
}

/** One object-mode hop per row: records are validated and batched into COPY text here. */
function stager(progress: Progress, options: ImportOptions, read: (chunk: unknown) => SourceRecord | null): Transform {
  let buffer = '';
  const take = (item: SourceRecord): void => {
    progress.received += 1;
    const staged = item.value
      ? stageRow(item.value, item.line)
      : { row: item.line, field: 'row', message: item.error ?? 'invalid' };
    if (typeof staged === 'string') buffer += staged;
    else {
      progress.rejected += 1;
      if (progress.errors.length < options.maxErrors) progress.errors.push(staged);
    }
    if (progress.received % 100_000 === 0) {
      const rate = Math.round(progress.received / ((Date.now() - progress.started) / 1000));
      options.log.info(
        { rows: progress.received, rejected: progress.rejected, rows_per_s: rate },
        'contact_import_progress',
      );
    }
  };
  return new Transform({
    writableObjectMode: true,
    transform(chunk: unknown, _enc, done) {
      try {
        const item = read(chunk);
        if (item) take(item);
      } catch (error) {
        return done(error as Error);
      }
      if (buffer.length < 65_536) return done();
      const out = buffer;
      buffer = '';
      done(null, out);
    },
    flush(done) {
      done(null, buffer || undefined);
    },
  });
}

/**
 * New contacts get UUIDv7-style ids (ms timestamp, version 7, per-import random bits, then a row counter) in
 * email order: sequential ids keep the primary-key and (workspace_id, id) index inserts local, which halves the
 * merge time of a 1M-row import compared with random gen_random_uuid() ids.
 */
function idPrefix(): string {
  const ms = Date.now().toString(16).padStart(12, '0');
  const random = randomBytes(5).toString('hex');
  return `${ms}7${random.slice(0, 3)}8${random.slice(3, 10)}`;
}

/**
 * NOTE: an empty cell (or an absent or null NDJSON member) keeps the stored value; a cell with a value sets it.
 * Nullable columns do that in the upsert with coalesce. The NOT NULL ones (consent, the two flags) cannot: a new
 * contact needs their defaults in the proposed row, and ON CONFLICT only sees that row (EXCLUDED), not whether
 * the file gave a value. So the upsert leaves them alone on existing contacts and SET_GIVEN_SQL then writes the
 * values the file did give, only where they differ (a fresh import updates nothing and skips it).
 */
const MERGE_SQL = `
  WITH up AS (
    INSERT INTO contacts (id, workspace_id, email, first_name, last_name, time_zone, consent_level, do_not_bulk_email, allow_follow_email, attributes)
    SELECT ($2 || lpad(to_hex(row_number() OVER ()), 8, '0'))::uuid, $1::uuid, email, first_name, last_name, time_zone,
           coalesce(consent_level, 0), coalesce(do_not_bulk_email, false), coalesce(allow_follow_email, true), attributes
    FROM (SELECT DISTINCT ON (lower(email)) * FROM import_rows ORDER BY lower(email), line DESC) latest
    ON CONFLICT (workspace_id, lower(email)) WHERE email IS NOT NULL DO UPDATE SET
      first_name = coalesce(EXCLUDED.first_name, contacts.first_name),
      last_name = coalesce(EXCLUDED.last_name, contacts.last_name),
      time_zone = coalesce(EXCLUDED.time_zone, contacts.time_zone),
      attributes = contacts.attributes || EXCLUDED.attributes,
      updated_at = now()
    RETURNING (xmax = 0) AS inserted
  )
  SELECT count(*) FILTER (WHERE inserted)::int AS created, count(*) FILTER (WHERE NOT inserted)::int AS updated FROM up`;

const SET_GIVEN_SQL = `
  UPDATE contacts c SET
    consent_level = coalesce(l.consent_level, c.consent_level),
    do_not_bulk_email = coalesce(l.do_not_bulk_email, c.do_not_bulk_email),
    allow_follow_email = coalesce(l.allow_follow_email, c.allow_follow_email)
  FROM (SELECT DISTINCT ON (lower(email)) email, consent_level, do_not_bulk_email, allow_follow_email
        FROM import_rows ORDER BY lower(email), line DESC) l
  WHERE c.workspace_id = $1 AND lower(c.email) = lower(l.email)
    AND (c.consent_level, c.do_not_bulk_email, c.allow_follow_email)
        IS DISTINCT FROM (coalesce(l.consent_level, c.consent_level), coalesce(l.do_not_bulk_email, c.do_not_bulk_email), coalesce(l.allow_follow_email, c.allow_follow_email))`;

async function stage(client: PoolClient, input: Readable, progress: Progress, options: ImportOptions): Promise<void> {
  await client.query(
    `CREATE TEMP TABLE import_rows (line integer, email text, first_name text, last_name text, time_zone text,
       consent_level smallint, do_not_bulk_email boolean, allow_follow_email boolean, attributes jsonb) ON COMMIT DROP`,
  );
  const copy = client.query(copyFrom(`COPY import_rows (${STAGED_COLUMNS.join(', ')}) FROM STDIN`));
  const parser =
    options.format === 'csv'
      ? parse({ relax_column_count: true, bom: true, skip_empty_lines: true, max_record_size: options.maxLineBytes })
      : ndjsonRecords(options.maxLineBytes);
  const read = options.format === 'csv' ? csvRecordReader() : (item: unknown) => item as SourceRecord;
  try {
    await pipeline([input, byteLimit(options.maxBytes), parser, stager(progress, options, read), copy]);
  } catch (error) {
    if (error instanceof ApiProblem) throw error;
    const message = (error as Error).message;
    const { code, lines } = error as { code?: string; lines?: number };
    if (code === 'CSV_MAX_RECORD_SIZE') throw lineTooLong(lines ?? 0, options.maxLineBytes);
    if (code?.startsWith('CSV_'))
      throw new ApiProblem(400, `the CSV is malformed: ${message}`, [{ field: 'body', message }]);
    throw error;
  }
}

/**
 * Streams CSV/NDJSON into a temp table with COPY, then upserts by (workspace, lower(email)) in the same
 * transaction. NOTE: all or nothing: the transaction commits only after the merge, so a failed or rejected
 * import changes no contact, and re-running the same file is idempotent (same emails → same contacts).
 */
export async function importContacts(
  pool: Pool,
  workspaceId: string,
  input: Readable,
  options: ImportOptions,
): Promise<ImportResult> {
  const progress: Progress = { received: 0, rejected: 0, errors: [], started: Date.now() };
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await stage(client, input, progress, options);
    const staged = Date.now();
    if (progress.rejected > 0 && options.onError === 'reject')
      throw new ApiProblem(
        422,
        `${progress.rejected} of ${progress.received} rows are invalid; nothing was imported (use on_error=skip to import the valid rows)`,
        progress.errors.map((e) => ({ field: `rows[${e.row}].${e.field}`, message: e.message })),
      );
    await client.query("SET LOCAL work_mem = '256MB'");
    const { rows } = await client.query<{ created: number; updated: number }>(MERGE_SQL, [workspaceId, idPrefix()]);
    const { created = 0, updated = 0 } = rows[0] ?? {};
    if (updated > 0) await client.query(SET_GIVEN_SQL, [workspaceId]);
    await client.query('COMMIT');
    const duplicates = progress.received - progress.rejected - created - updated;
    options.log.info(
      {
        rows: progress.received,
        created,
        updated,
        rejected: progress.rejected,
        stage_ms: staged - progress.started,
        merge_ms: Date.now() - staged,
      },
      'contact_import_done',
    );
    return {
      received: progress.received,
      created,
      updated,
      duplicates,
      rejected: progress.rejected,
      errors: progress.errors,
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    input.resume();
    throw error;
  } finally {
    client.release();
  }
}
