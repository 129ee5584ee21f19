import { Transform } from 'node:stream';
import { ApiProblem } from './api-problem';

/**
 * An import body as records, one a row: the byte limit on the whole body, NDJSON lines parsed as they arrive, CSV
 * rows keyed by the header (csv-parse splits the rows; contact-import.ts wires them together).
 */

export function byteLimit(maxBytes: number): Transform {
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
export function ndjsonRecords(maxLineBytes: number): Transform {
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

export function lineTooLong(line: number, maxLineBytes: number): ApiProblem {
  const message = `line ${line} is longer than ${maxLineBytes} bytes (CAIRN_API_IMPORT_MAX_LINE_BYTES); nothing was imported`;
  return new ApiProblem(400, message, [{ field: `rows[${line}].row`, message: `longer than ${maxLineBytes} bytes` }]);
}

export interface SourceRecord {
  line: number;
  value?: Record<string, unknown>;
  error?: string;
}

/** Turns csv-parse arrays into records keyed by the header row (null for the header itself); row = record number. */
export function csvRecordReader(): (chunk: unknown) => SourceRecord | null {
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
