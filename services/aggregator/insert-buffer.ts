import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ClickHouse } from '../../lib/clickhouse/clickhouse-client';
import { CairnError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { INGEST_COLUMNS } from './ingest-tsv';
import { INSERT_QUERY_PREFIX } from './offset-ledger';

/** The decoded messages of one Kafka batch as events_ingest TabSeparated lines (ingest-tsv.ts). */
export interface IngestBatch {
  topic: string;
  partition: number;
  /** the Kafka offset of each line, in line order (offsets stay far below 2^53) */
  offsets: number[];
  /** one line per offset, each ending in a newline (escaped values hold none) */
  tsv: Buffer;
}

interface Generation {
  /** the buffer's epoch when the generation was started; a fence starts a new epoch */
  epoch: number;
  batches: IngestBatch[];
  rows: number;
  done: Promise<void>;
  resolve: () => void;
  reject: (error: Error) => void;
}

export interface InsertBufferOptions {
  ch: ClickHouse;
  log: Logger;
  maxRows: number;
  /** inserts running at once (each a different set of partitions) */
  maxInFlight: number;
  lingerMs: number;
  retryMaxMs: number;
  /** ClickHouse settings for the insert (e.g. keep one block on current ClickHouse) */
  insertSettings: Record<string, string | number>;
  /** Asked before each retry: which offsets of this partition ClickHouse already holds. */
  writtenBelow: (topic: string, partition: number) => Promise<bigint>;
}

function newGeneration(epoch: number): Generation {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  void done.catch(() => undefined);
  return { epoch, batches: [], rows: 0, done, resolve, reject };
}

/**
 * Gathers rows from the partitions consumed at once into large inserts (thousands of rows, at most lingerMs
 * apart), at most maxInFlight inserts at a time. add() resolves only once its rows are in ClickHouse, so the consumer commits
 * offsets strictly after the write. A failed insert is retried until it lands or the buffer is closed; no offset
 * moves meanwhile.
 */
export class InsertBuffer {
  private epoch = 0;
  private current = newGeneration(0);
  private timer: NodeJS.Timeout | undefined;
  private readonly flushing = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly options: InsertBufferOptions) {}

  add(batch: IngestBatch): Promise<void> {
    if (this.closed) return Promise.reject(new CairnError('CLICKHOUSE_UNAVAILABLE', 'aggregator is stopping'));
    const generation = this.current;
    generation.batches.push(batch);
    generation.rows += batch.offsets.length;
    if (generation.rows >= this.options.maxRows) this.kick();
    else this.timer ??= setTimeout(() => this.kick(), this.options.lingerMs);
    return generation.done;
  }

  /** Sends what is pending now (or as soon as an insert slot frees up) instead of after lingerMs. */
  flushNow(): void {
    if (this.current.rows > 0) this.kick();
  }

  private kick(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed || this.flushing.size >= this.options.maxInFlight || this.current.rows === 0) return;
    const generation = this.current;
    this.current = newGeneration(this.epoch);
    // NOTE: concurrent inserts never hold the same partition: its next batch is only fetched once add() of the
    // previous one resolved, so each partition's rows still reach ClickHouse in offset order.
    const flush: Promise<void> = this.write(generation).finally(() => {
      this.flushing.delete(flush);
      if (this.current.rows >= this.options.maxRows) this.kick();
      else if (this.current.rows > 0) this.timer ??= setTimeout(() => this.kick(), 0);
    });
    this.flushing.add(flush);
  }

  private async write(generation: Generation): Promise<void> {
    let batches = generation.batches;
    for (let attempt = 0; ; attempt++) {
      try {
        const started = Date.now();
        await this.insert(batches);
        this.options.log.debug({ rows: generation.rows, ms: Date.now() - started }, 'batch_inserted');
        generation.resolve();
        return;
      } catch (error) {
        this.options.log.warn({ attempt, rows: generation.rows, err: (error as Error).message }, 'clickhouse_insert_failed');
        // After a fence the partitions may have a new owner: a retry now could write rows twice.
        if (this.closed || generation.epoch !== this.epoch) return generation.reject(new CairnError('CLICKHOUSE_UNAVAILABLE', (error as Error).message));
        await new Promise((resolve) => setTimeout(resolve, Math.min(this.options.retryMaxMs, 100 * 2 ** attempt)));
        batches = await this.unwritten(batches).catch(() => batches);
      }
    }
  }

  private async insert(batches: IngestBatch[]): Promise<void> {
    if (batches.every((batch) => batch.offsets.length === 0)) return;
    await this.options.ch.client.insert({
      table: 'events_ingest',
      // One chunk per Kafka batch: the body is streamed as is, never re-serialised.
      values: Readable.from(batches.map((batch) => batch.tsv), { objectMode: false }),
      format: 'TabSeparated',
      columns: [...INGEST_COLUMNS],
      query_id: `${INSERT_QUERY_PREFIX}${randomUUID()}`,
      clickhouse_settings: this.options.insertSettings,
    });
  }

  /**
   * NOTE: a failed insert may still have landed (the response was lost, the server finished after a timeout).
   * Before retrying, drop the rows ClickHouse's offset ledger already holds, so the retry writes nothing twice.
   */
  private async unwritten(batches: IngestBatch[]): Promise<IngestBatch[]> {
    const floors = new Map<string, bigint>();
    const kept: IngestBatch[] = [];
    for (const batch of batches) {
      const key = `${batch.topic}\u0000${batch.partition}`;
      if (!floors.has(key)) floors.set(key, await this.options.writtenBelow(batch.topic, batch.partition));
      const floor = floors.get(key) ?? 0n;
      if (batch.offsets.every((offset) => BigInt(offset) >= floor)) {
        kept.push(batch);
        continue;
      }
      const lines: Buffer[] = [];
      for (let start = 0, i = 0; start < batch.tsv.length; i++) {
        const end = batch.tsv.indexOf(0x0a, start) + 1 || batch.tsv.length;
        if (BigInt(batch.offsets[i] ?? -1) >= floor) lines.push(batch.tsv.subarray(start, end));
        start = end;
      }
      const tsv = Buffer.concat(lines);
      kept.push({ ...batch, offsets: batch.offsets.filter((offset) => BigInt(offset) >= floor), tsv });
    }
    return kept;
  }

  /**
   * A rebalance: rows not yet sent are dropped (their add() rejects; Kafka redelivers them to the partition's
   * next owner) and inserts in flight are not retried if they fail. Inserts already sent may still land.
   */
  fence(): void {
    this.epoch++;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.current.reject(new CairnError('CLICKHOUSE_UNAVAILABLE', 'partitions reassigned'));
    this.current = newGeneration(this.epoch);
  }

  /** Sends what is pending and waits for every insert to settle (an orderly stop writes what it consumed). */
  async drain(): Promise<void> {
    while (!this.closed && (this.current.rows > 0 || this.flushing.size > 0)) {
      this.kick();
      await Promise.race([...this.flushing, this.current.done]).catch(() => undefined);
    }
  }

  /** Rejects what waits and stops retrying; rows not yet written are redelivered by Kafka to the next owner. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.current.reject(new CairnError('CLICKHOUSE_UNAVAILABLE', 'aggregator is stopping'));
    await Promise.allSettled([...this.flushing]);
  }
}
