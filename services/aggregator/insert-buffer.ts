import { randomUUID } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import type { ClickHouse } from '../../lib/platform/clickhouse/clickhouse-client';
import { CairnError } from '../../lib/platform/errors';
import { failureKind } from '../../lib/platform/kafka/poison';
import type { Logger } from '../../lib/platform/logger';
import { exponentialBackoff, retry } from '../../lib/platform/retry';
import type { IngestBatch } from './ingest-batch';
import { INGEST_COLUMNS } from './ingest-tsv';
import { insertIsolatingPoison, type MessageRows, unwritten } from './insert-recovery';
import { type Generation, newGeneration } from './insert-generation';
import { INSERT_QUERY_PREFIX } from './offset-ledger';

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
  /** times a message's rows may be refused alone for their values before they are dead-lettered */
  poisonAttempts: number;
  /** sends a message whose rows ClickHouse refused to the dead-letter topic (resolves once Kafka has it) */
  deadLetter: (rows: MessageRows, error: Error) => Promise<void>;
}

/** One Kafka batch being written into an insert, chunk by chunk, while it is decoded. */
export interface BatchSink {
  write(chunk: IngestBatch): void;
  /** No more chunks; resolves once they are all in ClickHouse (rejects if they never will be, e.g. after a fence). */
  end(): Promise<void>;
  /** Something went wrong while decoding: the chunks written so far must not be inserted. */
  abort(): void;
}

/**
 * Gathers rows from the partitions consumed at once into large inserts, at most maxInFlight at a time, and streams
 * each insert's body to ClickHouse while its rows are still being decoded (ClickHouse parses as we decode). An
 * insert closes once it holds maxRows rows, when flushed, or lingerMs after its first row, but never in the middle of
 * a Kafka batch: a batch's rows are always in one insert. end() of a sink resolves only once its rows are in
 * ClickHouse, so the consumer commits offsets strictly after the write. A failed insert is retried (whole, from
 * memory) until it lands or the buffer is closed or fenced; no offset moves meanwhile.
 *
 * NOTE: one insert is one block, hence atomic: rows per insert stay below max_insert_block_size (1,048,576), since
 * an insert stops taking new batches at maxRows and the batches already open in it are a few fetches' worth.
 */
export class InsertBuffer {
  private epoch = 0;
  private current = newGeneration(0);
  /** closed or full generations waiting for an insert slot, oldest first */
  private readonly waiting: Generation[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly flushing = new Set<Promise<void>>();
  /** generations whose insert body is open: a fence cuts every one still taking rows */
  private readonly streaming = new Set<Generation>();
  private closed = false;

  constructor(private readonly options: InsertBufferOptions) {}

  /**
   * Opens a sink for one Kafka batch of up to `rows` rows in the insert that currently takes rows, or in a new one
   * if they would not fit: inserts of about maxRows rows each, several running at once, parse on several cores.
   */
  open(rows: number): BatchSink {
    if (this.closed) throw new CairnError('CLICKHOUSE_UNAVAILABLE', 'aggregator is stopping');
    if (this.current.planned > 0 && this.current.planned + rows > this.options.maxRows) this.kick();
    const generation = this.current;
    generation.planned += rows;
    generation.holds++;
    const chunks: IngestBatch[] = [];
    let ended = false;
    return {
      write: (chunk) => {
        // After a fence the batch belongs to an old assignment: none of its rows may start or join an insert.
        if (ended || chunk.offsets.length === 0 || this.abandoned(generation)) return;
        chunks.push(chunk);
        generation.batches.push(chunk);
        generation.rows += chunk.offsets.length;
        if (generation.stream && !generation.stream.destroyed) generation.stream.write(chunk.tsv);
        else if (!generation.stream) this.startIfSlot(generation);
        this.timer ??= setTimeout(() => this.kick(), this.options.lingerMs);
      },
      end: () => {
        if (!ended) {
          ended = true;
          this.release(generation);
        }
        return chunks.length > 0 ? generation.done : Promise.resolve();
      },
      abort: () => {
        if (ended) return;
        ended = true;
        if (chunks.length > 0) {
          const dropped = new Set(chunks);
          generation.batches = generation.batches.filter((chunk) => !dropped.has(chunk));
          generation.rows -= chunks.reduce((sum, chunk) => sum + chunk.offsets.length, 0);
          // Part of them may have been streamed already: fail this attempt; the retry sends the rest from memory.
          generation.stream?.destroy(new Error('a batch of this insert was aborted'));
        }
        this.release(generation);
      },
    };
  }

  /** One whole batch at once. */
  add(batch: IngestBatch): Promise<void> {
    const sink = this.open(batch.offsets.length);
    sink.write(batch);
    return sink.end();
  }

  /** Sends what is pending now (or as soon as an insert slot frees up) instead of after lingerMs. */
  flushNow(): void {
    this.kick();
  }

  private release(generation: Generation): void {
    generation.holds--;
    if (generation === this.current && generation.rows >= this.options.maxRows) this.kick();
    else if (generation.due) this.closeIfIdle(generation);
  }

  /** The current insert takes no more batches; it closes once the batches open in it end. */
  private kick(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const generation = this.current;
    if (generation.planned === 0) return;
    generation.due = true;
    this.current = newGeneration(this.epoch);
    if (!generation.stream) this.waiting.push(generation);
    this.closeIfIdle(generation);
    this.startWaiting();
  }

  private closeIfIdle(generation: Generation): void {
    if (!generation.due || generation.holds > 0) return;
    generation.close();
    generation.stream?.end();
  }

  private startIfSlot(generation: Generation): void {
    if (this.abandoned(generation) || generation.stream || this.flushing.size >= this.options.maxInFlight) return;
    const index = this.waiting.indexOf(generation);
    if (index >= 0) this.waiting.splice(index, 1);
    const stream = new PassThrough();
    stream.on('error', () => undefined); // a failed or aborted attempt; write() settles the generation
    generation.stream = stream;
    this.streaming.add(generation);
    stream.once('close', () => this.streaming.delete(generation));
    for (const chunk of generation.batches) stream.write(chunk.tsv);
    if (generation.due && generation.holds === 0) stream.end();
    const flush: Promise<void> = this.write(generation, stream).finally(() => {
      this.flushing.delete(flush);
      this.startWaiting();
    });
    this.flushing.add(flush);
  }

  /** A slot is free: the oldest waiting insert starts, else the current one if it has rows. */
  private startWaiting(): void {
    while (!this.closed && this.flushing.size < this.options.maxInFlight) {
      const next = this.waiting[0] ?? (this.current.rows > 0 && !this.current.stream ? this.current : undefined);
      if (!next) return;
      this.startIfSlot(next);
    }
  }

  /** The streamed insert first; when it fails, retries from memory until it lands or the insert is abandoned. */
  private async write(generation: Generation, stream: PassThrough): Promise<void> {
    const started = Date.now();
    let failure: unknown;
    // Read once the streamed attempt is over: an aborted batch has left the generation by then.
    let batches: IngestBatch[] | undefined;
    const attempt = async (n: number): Promise<void> => {
      if (n === 1) return this.streamed(generation, stream);
      const from = batches ?? generation.batches;
      batches = await unwritten(from, this.options.writtenBelow).catch(() => from);
      // NOTE: only a row's value isolates rows; an outage (down, refused, timed out, overloaded) retries all.
      if (failureKind(failure) === 'data') await this.isolate(generation, batches);
      else if (batches.some((batch) => batch.offsets.length > 0))
        await this.insert(
          Readable.from(
            batches.map((batch) => batch.tsv),
            { objectMode: false },
          ),
        );
    };
    try {
      await retry(attempt, {
        pause: exponentialBackoff(200, this.options.retryMaxMs),
        // After a fence the partitions may have a new owner: a retry now could write rows twice.
        giveUp: () => this.abandoned(generation),
        onRetry: (error, n) => {
          failure = error;
          this.options.log.warn(
            { attempt: n - 1, rows: generation.rows, err: (error as Error).message },
            'clickhouse_insert_failed',
          );
        },
      });
    } catch {
      return generation.reject(
        new CairnError('CLICKHOUSE_UNAVAILABLE', 'insert abandoned (stopping or partitions reassigned)'),
      );
    }
    this.options.log.debug({ rows: generation.rows, ms: Date.now() - started }, 'batch_inserted');
    generation.resolve();
  }

  /** The insert that streams batches as they come; when it fails, waits until no batch writes into it any more. */
  private async streamed(generation: Generation, stream: PassThrough): Promise<void> {
    try {
      await this.insert(stream);
    } catch (error) {
      stream.destroy();
      await generation.closed;
      throw error;
    }
    await generation.closed; // an insert that succeeded had its body ended, so it is closed
  }

  private abandoned(generation: Generation): boolean {
    return this.closed || generation.epoch !== this.epoch;
  }

  private isolate(generation: Generation, batches: IngestBatch[]): Promise<void> {
    return insertIsolatingPoison(batches, {
      attempts: this.options.poisonAttempts,
      log: this.options.log,
      insert: (body) => this.insert(body),
      guard: () => {
        if (this.abandoned(generation))
          throw new CairnError('CLICKHOUSE_UNAVAILABLE', 'insert abandoned (stopping or partitions reassigned)');
      },
      deadLetter: this.options.deadLetter,
    });
  }

  private async insert(body: Readable): Promise<void> {
    await this.options.ch.client.insert({
      table: 'events_ingest',
      // The lines are streamed as they are, never re-serialised.
      values: body,
      format: 'TabSeparated',
      columns: [...INGEST_COLUMNS],
      query_id: `${INSERT_QUERY_PREFIX}${randomUUID()}`,
      clickhouse_settings: this.options.insertSettings,
    });
  }

  /**
   * A rebalance: rows not yet sent are dropped (their end() rejects; Kafka redelivers them to the partition's
   * next owner), every insert whose body has not ended is aborted (also one that stopped taking new batches but
   * still streams the rows of batches being decoded: those batches belong to the old assignment), no insert
   * starts with rows from before the fence, and inserts in flight are not retried if they fail. Only inserts
   * already sent whole may still land; whoever reads the ledger next waits for them (offset-ledger.ts).
   */
  fence(): void {
    this.epoch++;
    this.abandon(new CairnError('CLICKHOUSE_UNAVAILABLE', 'partitions reassigned'));
  }

  private abandon(error: Error): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const generation of new Set([...this.waiting, this.current, ...this.streaming])) {
      // An insert whose body ended was sent whole: it lands or fails on its own, and is not retried.
      if (generation.stream?.writableEnded) continue;
      generation.reject(error);
      generation.close();
      // An insert still taking rows is cut off: ClickHouse drops a body that ends early, so none of it lands.
      generation.stream?.destroy(error);
    }
    this.waiting.length = 0;
    this.current = newGeneration(this.epoch);
  }

  /** Sends what is pending and waits for every insert to settle (an orderly stop writes what it consumed). */
  async drain(): Promise<void> {
    while (!this.closed && (this.current.rows > 0 || this.waiting.length > 0 || this.flushing.size > 0)) {
      this.kick();
      await Promise.race([...this.flushing, new Promise((resolve) => setTimeout(resolve, 50))]).catch(() => undefined);
    }
  }

  /** Rejects what waits and stops retrying; rows not yet written are redelivered by Kafka to the next owner. */
  async close(): Promise<void> {
    this.closed = true;
    this.abandon(new CairnError('CLICKHOUSE_UNAVAILABLE', 'aggregator is stopping'));
    await Promise.allSettled([...this.flushing]);
  }
}
