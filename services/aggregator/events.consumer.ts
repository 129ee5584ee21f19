import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import { toRawRow } from '../../lib/events/event-row';
import { decodeOrDeadLetter, type EventConsumerOptions } from '../../lib/kafka/event-consumer';
import type { Logger } from '../../lib/logger';
import { AvroTsvTranscoder, kafkaTopicColumn, TsvOut } from './avro-tsv';
import { tsvLine } from './ingest-tsv';
import type { IngestBatch, InsertBuffer } from './insert-buffer';
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

/** Average events_ingest line, to size a batch's buffer once (it grows if needed). */
const LINE_BYTES = 400;

function decodeBatch(deps: AggregatorConsumerDeps, transcoder: AvroTsvTranscoder, payload: EachBatchPayload, messages: KafkaMessage[], log: Logger) {
  const { topic, partition } = payload.batch;
  const offsets: number[] = [];
  const out = new TsvOut(messages.length * LINE_BYTES);
  const topicColumn = kafkaTopicColumn(topic);
  const deadLetters: Promise<void>[] = [];
  const at = { topic, partition, log };
  for (const message of messages) {
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
  const batch: IngestBatch = { topic, partition, offsets, tsv: out.done() };
  return { batch, deadLetters };
}

/** Batches of the current fetch still being read; once none is, no row can join the pending insert. */
interface Decoding {
  count: number;
}

async function decodeFresh(deps: AggregatorConsumerDeps, transcoder: AvroTsvTranscoder, payload: EachBatchPayload, log: Logger) {
  const { topic, partition, messages } = payload.batch;
  const floor = await untilAnswered(() => deps.ledger.nextOffset(topic, partition), payload, log);
  // Kafka redelivers from its committed offset, which may lag ClickHouse's ledger: skip what is already written.
  const fresh = messages.filter((message) => BigInt(message.offset) >= floor);
  if (fresh.length < messages.length) log.info({ skipped: messages.length - fresh.length, floor: String(floor) }, 'replay_skipped');
  return decodeBatch(deps, transcoder, payload, fresh, log);
}

async function handleBatch(deps: AggregatorConsumerDeps, transcoder: AvroTsvTranscoder, payload: EachBatchPayload, decoding: Decoding): Promise<void> {
  const { topic, partition, messages } = payload.batch;
  const last = messages[messages.length - 1];
  if (!last) return;
  const log = deps.log.child({ topic, partition });
  decoding.count++;
  let decoded: ReturnType<typeof decodeBatch>;
  try {
    decoded = await decodeFresh(deps, transcoder, payload, log);
  } finally {
    decoding.count--;
  }
  const { batch, deadLetters } = decoded;
  const everyMs = deps.heartbeatEveryMs ?? Math.max(500, Math.floor(deps.sessionTimeoutMs / 4));
  const added = batch.offsets.length > 0 ? deps.buffer.add(batch) : Promise.resolve();
  // kafkajs fetches again only once every batch of this fetch returned: lingering for more rows would be idle time.
  if (decoding.count === 0) deps.buffer.flushNow();
  await withHeartbeat(added, payload, everyMs);
  await withHeartbeat(Promise.all(deadLetters), payload, everyMs);
  deps.ledger.advance(topic, partition, BigInt(last.offset) + 1n);
  // Only now, with the rows in ClickHouse and the poison in the dead-letter topic, does the offset move.
  payload.resolveOffset(last.offset);
  await payload.commitOffsetsIfNecessary();
  await payload.heartbeat().catch(() => undefined);
}

export async function startAggregatorConsumer(deps: AggregatorConsumerDeps): Promise<Consumer> {
  const consumer = deps.kafka.consumer({
    groupId: deps.groupId,
    sessionTimeout: deps.sessionTimeoutMs,
    rebalanceTimeout: Math.max(deps.sessionTimeoutMs * 2, 20_000),
    heartbeatInterval: Math.max(300, Math.floor(deps.sessionTimeoutMs / 5)),
    // kafkajs reads a fetch's batches, then fetches again, with no overlap: fewer, larger fetches waste less
    // time between them (8 MiB ~ 45,000 events per partition; 4 MiB measured ~10 % slower, 16 MiB no faster).
    maxBytesPerPartition: 8 * 1024 * 1024,
    maxBytes: 64 * 1024 * 1024,
    maxWaitTimeInMs: 100,
  });
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    deps.ledger.forgetAll();
    deps.log.info({ memberId: event.payload.memberId, assignment: event.payload.memberAssignment }, 'group_joined');
  });
  const decoding: Decoding = { count: 0 };
  const transcoder = new AvroTsvTranscoder(deps.codec);
  await consumer.connect();
  await consumer.subscribe({ topics: deps.topics, fromBeginning: deps.fromBeginning });
  await consumer.run({
    eachBatchAutoResolve: false,
    autoCommit: true,
    // kafkajs commits nothing on its own without an interval; Kafka's offset is only a hint (the ledger rules),
    // but a fresher hint means less to refetch and skip after a restart.
    autoCommitInterval: 1_000,
    partitionsConsumedConcurrently: deps.partitionsConcurrency,
    eachBatch: (payload) => handleBatch(deps, transcoder, payload, decoding),
  });
  return consumer;
}
