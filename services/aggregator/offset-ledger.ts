import type { ClickHouse } from '../../lib/platform/clickhouse/clickhouse-client';
import { sql } from '../../lib/platform/clickhouse/sql';
import type { ConsumedMessage, MessageBatch } from '../../lib/platform/kafka/batch-consumer';
import type { Logger } from '../../lib/platform/logger';
import { exponentialBackoff, pollUntil, retry } from '../../lib/platform/retry';

/**
 * Where each (topic, partition) resumes, according to ClickHouse rather than Kafka.
 *
 * NOTE: exactly-once invariant of the raw table. A batch's rows and their Kafka offsets reach ClickHouse in ONE
 * insert into events_ingest (a single block: all or nothing); the view zz_events_ingest_to_kafka_offsets
 * records max(offset) per partition from that same block. Kafka's committed offset is only a hint that lags
 * behind (a SIGKILL after the insert and before the commit makes Kafka redeliver the batch), so every message
 * below nextOffset() is dropped before it is written again. The KPI tables do not even depend on this: they hold
 * uniqExact states keyed by event_id, so a replay that slipped through (a zombie member after a rebalance)
 * merges into the same state. Cached floors are forgotten on every group join, because while another member
 * owned the partition it moved the ledger on.
 *
 * NOTE: a SIGKILLed aggregator may leave an insert still running on the server (the body was sent, ClickHouse
 * keeps going). Reading the ledger before it lands would replay its rows. So every aggregator insert carries a
 * query_id starting with INSERT_QUERY_PREFIX, and the ledger is read only after every such insert that was
 * running when we looked has finished (later ones belong to partitions other members own now).
 */
export const INSERT_QUERY_PREFIX = 'cairn-aggregator-';

export class OffsetLedger {
  private readonly next = new Map<string, bigint>();

  constructor(private readonly ch: ClickHouse) {}

  private static key(topic: string, partition: number): string {
    return `${topic}\u0000${partition}`;
  }

  /** The first offset not yet in ClickHouse (0 when the partition never wrote). */
  async nextOffset(topic: string, partition: number): Promise<bigint> {
    const cached = this.next.get(OffsetLedger.key(topic, partition));
    if (cached !== undefined) return cached;
    const fresh = await this.readFromClickHouse(topic, partition);
    this.next.set(OffsetLedger.key(topic, partition), fresh);
    return fresh;
  }

  async readFromClickHouse(topic: string, partition: number): Promise<bigint> {
    await this.waitForRunningInserts();
    const rows = await this.ch.rows<{ written: string | number; max_offset: string | number }>(sql`
      SELECT count() AS written, maxMerge(max_offset) AS max_offset FROM kafka_offsets
      WHERE kafka_topic = ${topic} AND kafka_partition = ${partition}`);
    const row = rows[0];
    if (!row || Number(row.written) === 0) return 0n;
    return BigInt(row.max_offset) + 1n;
  }

  /** After a successful insert (or a dead-lettered tail): this process wrote everything below `next`. */
  advance(topic: string, partition: number, next: bigint): void {
    const key = OffsetLedger.key(topic, partition);
    const current = this.next.get(key) ?? 0n;
    if (next > current) this.next.set(key, next);
  }

  forgetAll(): void {
    this.next.clear();
  }

  private async waitForRunningInserts(timeoutMs = 120_000): Promise<void> {
    const running = async (): Promise<string[]> =>
      (
        await this.ch.rows<{ query_id: string }>(sql`
          SELECT query_id FROM system.processes WHERE startsWith(query_id, ${INSERT_QUERY_PREFIX})`)
      ).map((row) => row.query_id);
    const before = await running();
    if (before.length === 0) return;
    const finished = async (): Promise<boolean> => {
      const now = new Set(await running());
      return !before.some((id) => now.has(id));
    };
    // Past the deadline the wait just ends, as it always has: the ledger is read as it then is.
    const stillRunning = new Error('inserts still running');
    await pollUntil(finished, { pause: () => 50, deadlineMs: timeoutMs, timeout: () => stillRunning }).catch(
      (error: unknown) => {
        if (error !== stillRunning) throw error;
      },
    );
  }
}

/**
 * Retries a ClickHouse read until it answers (ClickHouse may be down when a partition is assigned). The client
 * heartbeats on its own timer, so a long wait does not cost the partition its owner; a rebalance ends the wait.
 */
function untilAnswered<T>(read: () => Promise<T>, current: () => boolean, log: Logger): Promise<T> {
  return retry(read, {
    pause: exponentialBackoff(100, 5_000),
    giveUp: () => !current(),
    onRetry: (error, n) => log.warn({ attempt: n - 1, err: (error as Error).message }, 'offset_ledger_unavailable'),
  });
}

/** Kafka redelivers from its committed offset, which may lag ClickHouse's ledger: what is already written is skipped. */
export async function freshMessages(
  ledger: OffsetLedger,
  batch: MessageBatch,
  current: () => boolean,
  log: Logger,
): Promise<ConsumedMessage[]> {
  const { topic, partition, messages } = batch;
  const floor = await untilAnswered(() => ledger.nextOffset(topic, partition), current, log);
  // A batch's offsets ascend: when its first is fresh, all are.
  const first = messages[0];
  if (!first || first.offset >= floor) return messages;
  const fresh = messages.filter((message) => message.offset >= floor);
  if (fresh.length < messages.length)
    log.info({ skipped: messages.length - fresh.length, floor: String(floor) }, 'replay_skipped');
  return fresh;
}
