import type { BatchConsumer } from '../../lib/platform/kafka/batch-consumer';
import { ClickHouse } from '../../lib/platform/clickhouse/clickhouse-client';
import { raw } from '../../lib/platform/clickhouse/sql';
import { EventCodec } from '../../lib/contracts/events/event-codec';
import { BatchingProducer, createKafka, ensureTopics, type KafkaCluster } from '../../lib/platform/kafka/kafka-client';
import { eventTopics, type Topics, topicsFor } from '../../lib/platform/kafka/topics';
import type { Logger } from '../../lib/platform/logger';
import { retry } from '../../lib/platform/retry';
import type { Service } from '../../lib/platform/shutdown';
import type { AggregatorConfig } from './aggregator.config';
import { startDeadLetterRecorder } from './dead-letter.recorder';
import { type AggregatorConsumer, deadLetterRows, startAggregatorConsumer } from './events.consumer';
import { InsertBuffer, type InsertBufferOptions } from './insert-buffer';
import { OffsetLedger } from './offset-ledger';

/**
 * Settings that keep one insert one block, hence atomic: current ClickHouse may parse the body in parallel chunks,
 * 18.16 does not know the setting (and refuses unknown ones), so it is only sent to servers that have it.
 */
export async function insertSettingsFor(ch: Pick<ClickHouse, 'rows'>): Promise<Record<string, string | number>> {
  const rows = await ch.rows<{ v: string }>(raw.trusted('SELECT version() AS v'));
  const major = Number((rows[0]?.v ?? '0').split('.')[0]);
  const settings: Record<string, string | number> = { max_insert_block_size: 1_048_576 };
  if (major >= 20) Object.assign(settings, { input_format_parallel_parsing: 0, min_insert_block_size_rows: 1_048_576 });
  return settings;
}

/** What the aggregator holds while it runs, filled in as start() goes, so stop() closes whatever got started. */
interface AggregatorParts {
  ch: ClickHouse;
  kafka: KafkaCluster;
  topics: Topics;
  ledger: OffsetLedger;
  producer?: BatchingProducer;
  buffer?: InsertBuffer;
  running?: AggregatorConsumer;
  recorder?: BatchConsumer;
}

/** The aggregator as a Service: Kafka event topics in, ClickHouse events_ingest out. Built without listening. */
export function buildAggregator(
  config: AggregatorConfig,
  log: Logger,
): Service & { consumer(): BatchConsumer | undefined } {
  const ch = new ClickHouse({
    url: config.clickhouseUrl,
    database: config.clickhouseDatabase,
    user: config.clickhouseUser,
    password: config.clickhousePassword,
  });
  const kafka = createKafka({ clientId: 'cairn-aggregator', brokers: [...config.kafkaBrokers], log });
  const parts: AggregatorParts = { ch, kafka, topics: topicsFor(config.topicPrefix), ledger: new OffsetLedger(ch) };
  let stopped: Promise<void> | undefined;
  return {
    name: 'aggregator',
    start: () => startAggregator(config, log, parts),
    stop: () => (stopped ??= stopAggregator(parts, log)),
    healthcheck: async () => (await ch.ping().catch(() => false)) && parts.running !== undefined,
    consumer: () => parts.running?.consumer,
  };
}

/** ClickHouse's settings, the topics, the producer, the insert buffer, the events' consumer, the dead letters'. */
async function startAggregator(config: AggregatorConfig, log: Logger, parts: AggregatorParts): Promise<void> {
  const { ch, kafka, topics, ledger } = parts;
  const insertSettings = await retryStartup(() => insertSettingsFor(ch), log);
  await ensureTopics(kafka, topics);
  const producer = (parts.producer = await BatchingProducer.connect(kafka));
  const letters = { producer, deadLetterTopic: topics.deadLetter, log };
  const buffer = (parts.buffer = createInsertBuffer(config, {
    ch,
    ledger,
    log,
    insertSettings,
    deadLetter: (rows, error) => deadLetterRows(letters, rows, error),
  }));
  parts.running = await startAggregatorConsumer({
    kafka,
    groupId: config.groupId,
    topics: eventTopics(topics),
    deadLetterTopic: topics.deadLetter,
    codec: new EventCodec(),
    producer,
    buffer,
    ledger,
    log,
    sessionTimeoutMs: config.sessionTimeoutMs,
    fromBeginning: config.fromBeginning,
  });
  // Its own group: the dashboards' record of dead letters never holds up, or rides on, the events' insert.
  parts.recorder = await startDeadLetterRecorder({
    kafka,
    groupId: `${config.groupId}.dead-letters`,
    topic: topics.deadLetter,
    ch,
    log,
  });
}

/** Each part is read when its turn comes: a stop during start() closes what start() has made by then. */
async function stopAggregator(parts: AggregatorParts, log: Logger): Promise<void> {
  // Stop fetching and write what was consumed while the partitions are still ours (its offsets stay
  // uncommitted: the ledger covers it); after 5 s give up a retry still waiting (ClickHouse down), Kafka
  // redelivers those rows. The buffer is closed before the group is left: nothing is written after that.
  const giveUp = setTimeout(() => void parts.buffer?.close(), 5_000);
  if (parts.running && parts.buffer)
    await parts.running
      .quiesce(parts.buffer)
      .catch((error: Error) => log.warn({ err: error.message }, 'quiesce_failed'));
  clearTimeout(giveUp);
  await parts.buffer?.close();
  await parts.running?.consumer.stop(0);
  await parts.recorder?.stop(1_000);
  await parts.producer?.disconnect().catch(() => undefined);
  await parts.ch.close();
}

function createInsertBuffer(
  config: AggregatorConfig,
  deps: { ch: ClickHouse; ledger: OffsetLedger; log: Logger; insertSettings: Record<string, string | number> } & Pick<
    InsertBufferOptions,
    'deadLetter'
  >,
): InsertBuffer {
  return new InsertBuffer({
    ch: deps.ch,
    log: deps.log.child({ component: 'insert-buffer' }),
    maxRows: config.maxBatchRows,
    maxInFlight: config.insertsInFlight,
    lingerMs: config.lingerMs,
    retryMaxMs: config.retryMaxMs,
    insertSettings: deps.insertSettings,
    writtenBelow: (topic, partition) => deps.ledger.readFromClickHouse(topic, partition),
    poisonAttempts: config.poisonAttempts,
    deadLetter: deps.deadLetter,
  });
}

/** ClickHouse may still be starting beside the aggregator: a minute of retries, one a second. */
function retryStartup<T>(work: () => Promise<T>, log: Logger): Promise<T> {
  return retry(work, {
    attempts: 61,
    pause: () => 1_000,
    onRetry: (error, n) => log.warn({ attempt: n - 1, err: (error as Error).message }, 'clickhouse_not_ready'),
  });
}
