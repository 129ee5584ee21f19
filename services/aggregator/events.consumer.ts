import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import { toRawRow } from '../../lib/events/event-row';
import { CairnError } from '../../lib/errors';
import { decodeOrDeadLetter, type EventConsumerOptions } from '../../lib/kafka/event-consumer';
import type { Logger } from '../../lib/logger';
import { AvroTsvTranscoder, kafkaTopicColumn, TsvOut } from './avro-tsv';
import { tsvLine } from './ingest-tsv';
import type { BatchSink, IngestBatch, InsertBuffer } from './insert-buffer';
import type { OffsetLedger } from './offset-ledger';

/** The lib consumer's wiring, with the aggregator's own sink (buffer + ledger) in place of onBatch. */
export interface AggregatorConsumerDeps
  extends Pick<EventConsumerOptions, 'kafka' | 'groupId' | 'topics' | 'deadLetterTopic' | 'codec' | 'producer' | 'log'> {
  buffer: InsertBuffer;
  ledger: OffsetLedger;
  sessionTimeoutMs: number;
  partitionsConcurrency: number;
  fromBeginning: boolean;
  /** long waits (ClickHouse down) keep the group membership alive with heartbeats this often */
  heartbeatEveryMs?: number;
}

/** Awaits work while heartbeating, so a ClickHouse outage does not cost the partition its owner. */
async function withHeartbeat<T>(work: Promise<T>, payload: EachBatchPayload, everyMs: number): Promise<T> {
  const timer = setInterval(() => void payload.heartbeat().catch(() => undefined), everyMs);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

/** Retries a ClickHouse read until it answers (ClickHouse may be down when a partition is assigned). */
async function untilAnswered<T>(read: () => Promise<T>, payload: EachBatchPayload, log: Logger): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (!payload.isRunning() || payload.isStale()) throw error;
      log.warn({ attempt, err: (error as Error).message }, 'offset_ledger_unavailable');
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 100 * 2 ** attempt)));
      await payload.heartbeat().catch(() => undefined);
    }
  }
}

/** Average events_ingest line, to size a chunk's buffer once (it grows if needed). */
const LINE_BYTES = 400;
/**
 * Messages decoded between two turns of the event loop: the insert body streams to ClickHouse in between, so
 * ClickHouse parses one chunk while the next is decoded (a 45,000-message batch in one go would leave it idle).
 */
const CHUNK = 4_000;

/** Decodes messages into events_ingest lines, CHUNK at a time, handing each chunk on and yielding in between. */
async function decodeChunks(
  deps: AggregatorConsumerDeps,
  transcoder: AvroTsvTranscoder,
  at: { topic: string; partition: number; log: Logger },
  messages: KafkaMessage[],
  onChunk: (chunk: IngestBatch) => void,
): Promise<Promise<void>[]> {
  const { topic, partition } = at;
  const topicColumn = kafkaTopicColumn(topic);
  const deadLetters: Promise<void>[] = [];
  for (let first = 0; first < messages.length; first += CHUNK) {
    if (first > 0) await new Promise((resolve) => setImmediate(resolve));
    const slice = messages.slice(first, first + CHUNK);
    const offsets: number[] = [];
    const out = new TsvOut(slice.length * LINE_BYTES);
    for (const message of slice) {
      const offset = Number(message.offset);
      // Most messages go straight from Avro bytes to their line; the rest (escaping, older schema versions,
      // anything malformed) take the generic decode, which also dead-letters what cannot be read.
      if (message.value && transcoder.transcode(message.value, topicColumn, partition, offset, out)) {
        offsets.push(offset);
        continue;
      }
      const line = decodeOrDeadLetter(deps, at, message, deadLetters, (event) => tsvLine(toRawRow(event), topic, partition, offset));
      if (line === null) continue;
      out.utf8(line);
      offsets.push(offset);
    }
    onChunk({ topic, partition, offsets, tsv: out.done() });
  }
  return deadLetters;
}

/**
 * State shared by the batches of one consumer. NOTE: pipelining invariant. kafkajs fetches again only once every
 * batch of a fetch returned, so a batch returns as soon as its rows are handed to the insert buffer: the next
 * fetch and its decoding overlap the insert. Safety rests on three rules:
 * - one insert per partition at a time: a partition's next batch waits for the previous insert to land before it
 *   joins the buffer, so its rows reach ClickHouse in offset order and the ledger's max(offset) never skips rows;
 * - Kafka's committed offset moves only after the rows landed (autoCommit off; commits are explicit), so a crash
 *   redelivers everything not yet in ClickHouse, and the ClickHouse ledger drops what is;
 * - on a rebalance the buffer is fenced: rows not yet sent are dropped (the next owner reads them again from
 *   Kafka) and a failed insert is not retried; inserts already sent are waited for by whoever reads the ledger
 *   next (OffsetLedger waits for running aggregator inserts).
 */
interface Pipeline {
  /** batches of the current fetch still being decoded; once none is, the pending insert gets no more rows */
  decoding: number;
  /** batches being handled (decoding, or waiting for their partition's previous insert) */
  active: number;
  /** per partition, the previous batch's outcome: true once its rows (and dead letters) landed */
  previous: Map<string, Promise<boolean>>;
  transcoder: AvroTsvTranscoder;
  committer: OffsetCommitter;
}

/**
 * Commits Kafka offsets after the rows landed, coalescing them into one request at a time. Kafka's offset is a
 * hint (the ClickHouse ledger rules), so a failed commit (a rebalance moved the partition) is only logged.
 */
class OffsetCommitter {
  private pending = new Map<string, { topic: string; partition: number; offset: string }>();
  private running = false;

  constructor(
    private readonly commit: (offsets: { topic: string; partition: number; offset: string }[]) => Promise<void>,
    private readonly log: Logger,
  ) {}

  landed(topic: string, partition: number, next: bigint): void {
    this.pending.set(`${topic}\u0000${partition}`, { topic, partition, offset: next.toString() });
    if (!this.running) void this.run();
  }

  forget(): void {
    this.pending.clear();
  }

  private async run(): Promise<void> {
    this.running = true;
    while (this.pending.size > 0) {
      const offsets = [...this.pending.values()];
      this.pending = new Map();
      await this.commit(offsets).catch((error: Error) => this.log.debug({ err: error.message }, 'offset_commit_skipped'));
    }
    this.running = false;
  }
}

/** Kafka redelivers from its committed offset, which may lag ClickHouse's ledger: what is already written is skipped. */
async function freshMessages(deps: AggregatorConsumerDeps, payload: EachBatchPayload, log: Logger): Promise<KafkaMessage[]> {
  const { topic, partition, messages } = payload.batch;
  const floor = await untilAnswered(() => deps.ledger.nextOffset(topic, partition), payload, log);
  // A batch's offsets ascend: when its first is fresh, all are (no BigInt per message on the usual path).
  const first = messages[0];
  if (!first || BigInt(first.offset) >= floor) return messages;
  const fresh = messages.filter((message) => BigInt(message.offset) >= floor);
  if (fresh.length < messages.length) log.info({ skipped: messages.length - fresh.length, floor: String(floor) }, 'replay_skipped');
  return fresh;
}

async function handleBatch(deps: AggregatorConsumerDeps, pipeline: Pipeline, payload: EachBatchPayload): Promise<void> {
  const { topic, partition, messages } = payload.batch;
  const last = messages[messages.length - 1];
  if (!last) return;
  const log = deps.log.child({ topic, partition });
  const key = `${topic}\u0000${partition}`;
  const everyMs = deps.heartbeatEveryMs ?? Math.max(500, Math.floor(deps.sessionTimeoutMs / 4));
  pipeline.active++;
  try {
    await pipelined(deps, pipeline, payload, { key, log, everyMs, last });
  } finally {
    pipeline.active--;
  }
}

async function pipelined(
  deps: AggregatorConsumerDeps,
  pipeline: Pipeline,
  payload: EachBatchPayload,
  at: { key: string; log: Logger; everyMs: number; last: KafkaMessage },
): Promise<void> {
  const { topic, partition } = payload.batch;
  const { key, log, everyMs, last } = at;
  pipeline.decoding++;
  let sink: BatchSink | undefined;
  let deadLetters: Promise<void>[];
  try {
    const fresh = await freshMessages(deps, payload, log);
    // Rows stream into the insert as they are decoded, unless this partition's previous insert is still running:
    // then they wait here (decoded meanwhile) and join the buffer once it landed, keeping offset order.
    const previous = pipeline.previous.get(key);
    const held: IngestBatch[] = [];
    if (!previous) sink = deps.buffer.open(fresh.length);
    deadLetters = await decodeChunks(deps, pipeline.transcoder, { topic, partition, log }, fresh, (chunk) => (sink ? sink.write(chunk) : held.push(chunk)));
    if (previous) {
      if (!(await withHeartbeat(previous, payload, everyMs))) {
        throw new CairnError('CLICKHOUSE_UNAVAILABLE', `the previous insert of ${topic}/${partition} did not land`);
      }
      sink = deps.buffer.open(fresh.length);
      for (const chunk of held) sink.write(chunk);
    }
  } catch (error) {
    sink?.abort();
    throw error;
  } finally {
    pipeline.decoding--;
  }
  const added = (sink as BatchSink).end();
  // kafkajs fetches again only once every batch of this fetch returned: lingering for more rows would be idle time.
  if (pipeline.decoding === 0) deps.buffer.flushNow();
  const next = BigInt(last.offset) + 1n;
  const outcome = Promise.all([added, ...deadLetters]).then(
    () => {
      deps.ledger.advance(topic, partition, next);
      // Only now, with the rows in ClickHouse and the poison in the dead-letter topic, does Kafka's offset move.
      pipeline.committer.landed(topic, partition, next);
      return true;
    },
    (error: Error) => {
      log.warn({ err: error.message }, 'batch_not_written');
      return false;
    },
  );
  pipeline.previous.set(key, outcome);
  // Once landed, the partition's next batch may stream straight into an insert again.
  void outcome.then((landed) => {
    if (landed && pipeline.previous.get(key) === outcome) pipeline.previous.delete(key);
  });
  // The fetch position moves on now; what has not landed is not committed, so a crash or a new owner rereads it.
  payload.resolveOffset(last.offset);
  await payload.heartbeat().catch(() => undefined);
}

const QUIESCE_WAIT_MS = 5_000;

export interface AggregatorConsumer {
  consumer: Consumer;
  /**
   * An orderly stop, before leaving the group: no more fetches, the batches in hand finish, and every row
   * consumed is written while this member still owns its partitions (no new owner can read the ledger first).
   */
  quiesce(buffer: InsertBuffer): Promise<void>;
}

export async function startAggregatorConsumer(deps: AggregatorConsumerDeps): Promise<AggregatorConsumer> {
  const consumer = deps.kafka.consumer({
    groupId: deps.groupId,
    sessionTimeout: deps.sessionTimeoutMs,
    rebalanceTimeout: Math.max(deps.sessionTimeoutMs * 2, 20_000),
    heartbeatInterval: Math.max(300, Math.floor(deps.sessionTimeoutMs / 5)),
    // Fewer, larger fetches waste less time between them (8 MiB ~ 45,000 events per partition).
    maxBytesPerPartition: 8 * 1024 * 1024,
    maxBytes: 64 * 1024 * 1024,
    maxWaitTimeInMs: 100,
  });
  const pipeline: Pipeline = {
    decoding: 0,
    active: 0,
    previous: new Map(),
    transcoder: new AvroTsvTranscoder(deps.codec),
    committer: new OffsetCommitter((offsets) => consumer.commitOffsets(offsets), deps.log),
  };
  const fence = (): void => {
    deps.buffer.fence();
    pipeline.previous.clear();
    pipeline.committer.forget();
  };
  consumer.on(consumer.events.REBALANCING, fence);
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    // Also after a rejoin that announced no rebalance (the coordinator forgot this member).
    fence();
    deps.ledger.forgetAll();
    deps.log.info({ memberId: event.payload.memberId, assignment: event.payload.memberAssignment }, 'group_joined');
  });
  await consumer.connect();
  await consumer.subscribe({ topics: deps.topics, fromBeginning: deps.fromBeginning });
  await consumer.run({
    eachBatchAutoResolve: false,
    autoCommit: false,
    partitionsConsumedConcurrently: deps.partitionsConcurrency,
    eachBatch: (payload) => handleBatch(deps, pipeline, payload),
  });
  const quiesce = async (buffer: InsertBuffer): Promise<void> => {
    consumer.pause(deps.topics.map((topic) => ({ topic })));
    // A batch can wait on ClickHouse indefinitely (down): give the batches in hand a few seconds, no more; the
    // caller then closes the buffer and leaves the group, which ends them.
    const deadline = Date.now() + QUIESCE_WAIT_MS;
    while (pipeline.active > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    await buffer.drain();
  };
  return { consumer, quiesce };
}
