import { Readable } from 'node:stream';
import { isolatePoison } from '../../lib/platform/kafka/poison';
import type { Logger } from '../../lib/platform/logger';
import type { IngestBatch } from './ingest-batch';

/** What a failed insert does before it is tried again: drop the rows that landed, narrow poison down. */

/** Calls `line` with each line's bounds and index (each line ends in a newline; escaped values hold none). */
function eachLine(tsv: Buffer, line: (start: number, end: number, index: number) => void): void {
  for (let start = 0, i = 0; start < tsv.length; i++) {
    const end = tsv.indexOf(0x0a, start) + 1 || tsv.length;
    line(start, end, i);
    start = end;
  }
}

/**
 * NOTE: a failed insert may still have landed (the response was lost, the server finished after a timeout), or
 * part of it (poison isolation inserts it piece by piece). Before retrying, drop the rows ClickHouse's offset
 * ledger already holds, so the retry writes nothing twice.
 */
export async function unwritten(
  batches: readonly IngestBatch[],
  writtenBelow: (topic: string, partition: number) => Promise<bigint>,
): Promise<IngestBatch[]> {
  const floors = new Map<string, bigint>();
  const kept: IngestBatch[] = [];
  for (const batch of batches) {
    const key = `${batch.topic}\u0000${batch.partition}`;
    if (!floors.has(key)) floors.set(key, await writtenBelow(batch.topic, batch.partition));
    const floor = floors.get(key) ?? 0n;
    if (batch.offsets.every((offset) => BigInt(offset) >= floor)) {
      kept.push(batch);
      continue;
    }
    const lines: Buffer[] = [];
    eachLine(batch.tsv, (start, end, i) => {
      if (BigInt(batch.offsets[i] ?? -1) >= floor) lines.push(batch.tsv.subarray(start, end));
    });
    kept.push({
      ...batch,
      offsets: batch.offsets.filter((offset) => BigInt(offset) >= floor),
      tsv: Buffer.concat(lines),
    });
  }
  return kept;
}

/** One Kafka message's lines in an insert (an envelope has several, all at its offset). */
export interface MessageRows {
  batch: IngestBatch;
  offset: number;
  tsv: Buffer;
}

/** The insert's rows grouped by message, in line order (so per partition in offset order). */
export function messageRows(batches: readonly IngestBatch[]): MessageRows[] {
  const rows: MessageRows[] = [];
  for (const batch of batches) {
    let first = 0;
    eachLine(batch.tsv, (_start, end, i) => {
      const offset = batch.offsets[i] ?? -1;
      if (batch.offsets[i + 1] === offset) return;
      rows.push({ batch, offset, tsv: batch.tsv.subarray(first, end) });
      first = end;
    });
  }
  return rows;
}

export interface IsolationDeps {
  attempts: number;
  log: Logger;
  /** one insert of these lines (one block: all or nothing) */
  insert(body: Readable): Promise<void>;
  /** throws (an outage-kind error) once the insert must be abandoned (stopping, partitions reassigned) */
  guard(): void;
  /** a message whose rows ClickHouse refused alone `attempts` times */
  deadLetter(rows: MessageRows, error: Error): Promise<void>;
}

/**
 * ClickHouse refused an insert for a row's value (lib/platform/kafka/poison.ts: cannot parse, out of range): the insert is
 * split in halves, left before right, down to the messages that cause it; those are dead-lettered with their error
 * and every other row is written once.
 * NOTE: exactly once still holds. A message's rows (an envelope's lines share its offset) stay in one insert, and
 * each partition's messages land in offset order, each poison one dead-lettered before anything after it is
 * inserted: the offset ledger's max(offset) + 1 (offset-ledger.ts) never passes a row that is not in ClickHouse
 * or in the dead-letter topic. A crash midway replays from the ledger; a poison message may be dead-lettered twice
 * (the dead_letters table counts it once by original topic, partition and offset).
 */
export async function insertIsolatingPoison(batches: readonly IngestBatch[], deps: IsolationDeps): Promise<void> {
  await isolatePoison(messageRows(batches), {
    attempts: deps.attempts,
    log: deps.log,
    run: async (rows) => {
      deps.guard();
      await deps.insert(
        Readable.from(
          rows.map((row) => row.tsv),
          { objectMode: false },
        ),
      );
    },
    poison: async (rows, error) => {
      deps.guard();
      deps.log.warn(
        {
          topic: rows.batch.topic,
          partition: rows.batch.partition,
          offset: rows.offset,
          err: error.message.slice(0, 300),
        },
        'poison_rows_dead_lettered',
      );
      await deps.deadLetter(rows, error);
    },
  });
}
