import { toRawRow } from './event-row';
import { CairnError } from '../../lib/platform/errors';
import {
  startBatchConsumer,
  type BatchConsumer,
  type ConsumedMessage,
  type MessageBatch,
} from '../../lib/platform/kafka/batch-consumer';
import type { EventCodec } from '../../lib/contracts/events/event-codec';
import {
  deadLetter,
  decodeOrDeadLetter,
  type DecodingConsumerOptions,
} from '../../lib/platform/kafka/decoding-consumer';
import type { Logger } from '../../lib/platform/logger';
import { AvroTsvTranscoder, kafkaTopicColumn } from './avro-tsv';
import { TsvOut } from './tsv-out';
import { tsvLine } from './ingest-tsv';
import type { IngestBatch } from './ingest-batch';
import type { BatchSink, InsertBuffer } from './insert-buffer';
import type { MessageRows } from './insert-recovery';
import { freshMessages, type OffsetLedger } from './offset-ledger';

/** The lib consumer's wiring, with the aggregator's own sink (buffer + ledger) in place of onBatch. */
export interface AggregatorConsumerDeps extends Pick<
  DecodingConsumerOptions<unknown>,
  'kafka' | 'groupId' | 'topics' | 'deadLetterTopic' | 'producer' | 'log'
> {
  codec: EventCodec;
  buffer: InsertBuffer;
  ledger: OffsetLedger;
  sessionTimeoutMs: number;
  fromBeginning: boolean;
}

/** Average events_ingest line, to size a chunk's buffer once (it grows if needed). */
const LINE_BYTES = 400;
/**
 * Messages decoded between two turns of the event loop: the insert body streams to ClickHouse in between, so
 * ClickHouse parses one chunk while the next is decoded (a 45,000-message batch in one go would leave it idle).
 */
const CHUNK = 4_000;

/**
 * An envelope's events (EventCodec.unbatch), one line each, all at the message's offset.
 * NOTE: an envelope is written whole or not at all: its lines share the message's offset (the unit the offset
 * ledger and Kafka commit), and one event that cannot be read sends the whole message to the dead-letter topic
 * with none of its lines.
 */
function writeEnvelope(
  deps: AggregatorConsumerDeps,
  transcoder: AvroTsvTranscoder,
  at: { topic: string; partition: number; log: Logger },
  message: ConsumedMessage,
  events: Buffer[],
  out: TsvOut,
  offsets: number[],
  deadLetters: Promise<void>[],
): void {
  const offset = Number(message.offset);
  const topicColumn = kafkaTopicColumn(at.topic);
  const mark = out.pos;
  const lines = offsets.length;
  try {
    for (const value of events) {
      if (!transcoder.transcode(value, topicColumn, at.partition, offset, out))
        out.utf8(tsvLine(toRawRow(deps.codec.decode(value)), at.topic, at.partition, offset));
      offsets.push(offset);
    }
  } catch (error) {
    out.pos = mark;
    offsets.length = lines;
    deadLetter(deps, at, message, deadLetters, error as Error);
  }
}

/**
 * The message behind rows ClickHouse refused (insert-recovery.ts), to the dead-letter topic with its origin and
 * ClickHouse's error; resolves once Kafka has it.
 */
export function deadLetterRows(
  deps: Pick<AggregatorConsumerDeps, 'producer' | 'deadLetterTopic' | 'log'>,
  rows: MessageRows,
  error: Error,
): Promise<void> {
  const { topic, partition } = rows.batch;
  const message = rows.batch.messages?.find((candidate) => Number(candidate.offset) === rows.offset);
  const sends: Promise<void>[] = [];
  // Without the message (never expected) the dead letter still names its origin and the error.
  const origin = message ?? { offset: BigInt(rows.offset), key: null, value: null, timestamp: 0n, headers: new Map() };
  deadLetter(deps, { topic, partition, log: deps.log.child({ topic, partition }) }, origin, sends, error);
  return Promise.all(sends).then(() => undefined);
}

/** Decodes messages into events_ingest lines, CHUNK at a time, handing each chunk on and yielding in between. */
async function decodeChunks(
  deps: AggregatorConsumerDeps,
  transcoder: AvroTsvTranscoder,
  at: { topic: string; partition: number; log: Logger },
  messages: ConsumedMessage[],
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
      let events: Buffer[] | null;
      try {
        events = message.value ? deps.codec.unbatch(message.value) : null;
      } catch (error) {
        deadLetter(deps, at, message, deadLetters, error as Error);
        continue;
      }
      if (events !== null) {
        writeEnvelope(deps, transcoder, at, message, events, out, offsets, deadLetters);
        continue;
      }
      // Most messages go straight from Avro bytes to their line; the rest (escaping, older schema versions,
      // anything malformed) take the generic decode, which also dead-letters what cannot be read.
      if (message.value && transcoder.transcode(message.value, topicColumn, partition, offset, out)) {
        offsets.push(offset);
        continue;
      }
      const decode = (bytes: Buffer): string => tsvLine(toRawRow(deps.codec.decode(bytes)), topic, partition, offset);
      const line = decodeOrDeadLetter({ ...deps, decode }, at, message, deadLetters);
      if (line === null) continue;
      out.utf8(line);
      offsets.push(offset);
    }
    onChunk({ topic, partition, offsets, tsv: out.done(), messages: slice });
  }
  return deadLetters;
}

/**
 * State shared by the batches of one consumer. NOTE: pipelining invariant. A batch's handler returns as soon as
 * its rows are handed to the insert buffer, so the next fetch and its decoding overlap the insert. Safety rests on
 * three rules:
 * - one insert per partition at a time: a partition's next batch waits for the previous insert to land before it
 *   joins the buffer, so its rows reach ClickHouse in offset order and the ledger's max(offset) never skips rows;
 * - Kafka's committed offset moves only after the rows landed (autocommit off; commits are explicit), so a crash
 *   redelivers everything not yet in ClickHouse, and the ClickHouse ledger drops what is;
 * - on a rebalance the buffer is fenced: rows not yet sent are dropped (the stream restarts from the committed
 *   offsets, and the next owner reads them again from Kafka) and a failed insert is not retried; inserts already
 *   sent are waited for by whoever reads the ledger next (OffsetLedger waits for running aggregator inserts).
 */
interface Pipeline {
  /** batches being decoded; once none is, the pending insert gets no more rows from this fetch */
  decoding: number;
  /** per partition, the previous batch's outcome: true once its rows (and dead letters) landed */
  previous: Map<string, Promise<boolean>>;
  transcoder: AvroTsvTranscoder;
  /** bumped by every rebalance: a batch from an older generation stops where it is */
  generation: number;
}

async function handleBatch(deps: AggregatorConsumerDeps, pipeline: Pipeline, batch: MessageBatch): Promise<void> {
  const { topic, partition, messages } = batch;
  const last = messages[messages.length - 1];
  if (!last) return;
  const log = deps.log.child({ topic, partition });
  const key = `${topic}\u0000${partition}`;
  const born = pipeline.generation;
  const current = (): boolean => pipeline.generation === born;
  pipeline.decoding++;
  let sink: BatchSink | undefined;
  let deadLetters: Promise<void>[];
  try {
    const fresh = await freshMessages(deps.ledger, batch, current, log);
    // Rows stream into the insert as they are decoded, unless this partition's previous insert is still running:
    // then they wait here (decoded meanwhile) and join the buffer once it landed, keeping offset order.
    const previous = pipeline.previous.get(key);
    const held: IngestBatch[] = [];
    // Rebalanced while the ledger was read? Checked in the same turn as open(): no rebalance comes in between.
    if (!current()) throw new CairnError('CLICKHOUSE_UNAVAILABLE', `${topic}/${partition} was reassigned`);
    if (!previous) sink = deps.buffer.open(fresh.length);
    deadLetters = await decodeChunks(deps, pipeline.transcoder, { topic, partition, log }, fresh, (chunk) =>
      sink ? sink.write(chunk) : held.push(chunk),
    );
    if (previous) {
      if (!(await previous) || !current())
        throw new CairnError('CLICKHOUSE_UNAVAILABLE', `the previous insert of ${topic}/${partition} did not land`);
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
  // Nothing else of this fetch is being decoded: lingering for more rows would be idle time.
  if (pipeline.decoding === 0) deps.buffer.flushNow();
  const next = last.offset + 1n;
  const outcome = Promise.all([added, ...deadLetters]).then(
    () => {
      // Only now, with the rows in ClickHouse and the poison in the dead-letter topic, does Kafka's offset move.
      // After a rebalance neither moves: the next owner reads the ledger from ClickHouse.
      if (current()) {
        deps.ledger.advance(topic, partition, next);
        batch.commit();
      }
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
}

const QUIESCE_WAIT_MS = 5_000;

export interface AggregatorConsumer {
  consumer: BatchConsumer;
  /**
   * An orderly stop, before leaving the group: no more fetches, the batches in hand finish, and every row
   * consumed is written while this member still owns its partitions (no new owner can read the ledger first).
   */
  quiesce(buffer: InsertBuffer): Promise<void>;
}

export async function startAggregatorConsumer(deps: AggregatorConsumerDeps): Promise<AggregatorConsumer> {
  const pipeline: Pipeline = {
    decoding: 0,
    previous: new Map(),
    transcoder: new AvroTsvTranscoder(deps.codec),
    generation: 0,
  };
  const consumer = await startBatchConsumer({
    kafka: deps.kafka,
    groupId: deps.groupId,
    topics: deps.topics,
    log: deps.log,
    fromBeginning: deps.fromBeginning,
    sessionTimeoutMs: deps.sessionTimeoutMs,
    // Fewer, larger fetches waste less time between them (8 MiB ~ 45,000 events per partition).
    maxBytesPerPartition: 8 * 1024 * 1024,
    maxBatch: 50_000,
    maxInFlight: 200_000,
    onBatch: (batch) => handleBatch(deps, pipeline, batch),
    onRebalance: () => {
      // Also after a rejoin that announced no rebalance (the coordinator forgot this member).
      pipeline.generation++;
      deps.buffer.fence();
      pipeline.previous.clear();
      deps.ledger.forgetAll();
      deps.log.info({ generation: pipeline.generation }, 'group_joined');
    },
  });
  const quiesce = async (buffer: InsertBuffer): Promise<void> => {
    consumer.pause();
    // A batch can wait on ClickHouse indefinitely (down): give the batches in hand a few seconds, no more; the
    // caller then closes the buffer and leaves the group, which ends them.
    const deadline = Date.now() + QUIESCE_WAIT_MS;
    while (consumer.active > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    await buffer.drain();
  };
  return { consumer, quiesce };
}
