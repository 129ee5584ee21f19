import type { BatchConsumer } from '../../lib/platform/kafka/batch-consumer';
import { ClickHouse } from '../../lib/platform/clickhouse/clickhouse-client';
import { raw } from '../../lib/platform/clickhouse/sql';
import { EventCodec } from '../../lib/contracts/events/event-codec';
import { BatchingProducer, createKafka, ensureTopics } from '../../lib/platform/kafka/kafka-client';
import { eventTopics, topicsFor } from '../../lib/platform/kafka/topics';
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
  const topics = topicsFor(config.topicPrefix);
  const ledger = new OffsetLedger(ch);
  let consumer: BatchConsumer | undefined;
  let recorder: BatchConsumer | undefined;
  let running: AggregatorConsumer | undefined;
  let producer: BatchingProducer | undefined;
  let buffer: InsertBuffer | undefined;
  let stopped: Promise<void> | undefined;

  const start = async (): Promise<void> => {
    const insertSettings = await retryStartup(() => insertSettingsFor(ch), log);
    await ensureTopics(kafka, topics);
    producer = await BatchingProducer.connect(kafka);
    const letters = { producer, deadLetterTopic: topics.deadLetter, log };
    buffer = createInsertBuffer(config, {
      ch,
      ledger,
      log,
      insertSettings,
      deadLetter: (rows, error) => deadLetterRows(letters, rows, error),
    });
    running = await startAggregatorConsumer({
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
    consumer = running.consumer;
    // Its own group: the dashboards' record of dead letters never holds up, or rides on, the events' insert.
    recorder = await startDeadLetterRecorder({
      kafka,
      groupId: `${config.groupId}.dead-letters`,
      topic: topics.deadLetter,
      ch,
      log,
    });
  };

  const stopOnce = async (): Promise<void> => {
    // Stop fetching and write what was consumed while the partitions are still ours (its offsets stay
    // uncommitted: the ledger covers it); after 5 s give up a retry still waiting (ClickHouse down), Kafka
    // redelivers those rows. The buffer is closed before the group is left: nothing is written after that.
    const giveUp = setTimeout(() => void buffer?.close(), 5_000);
    if (running && buffer)
      await running.quiesce(buffer).catch((error: Error) => log.warn({ err: error.message }, 'quiesce_failed'));
    clearTimeout(giveUp);
    await buffer?.close();
    await consumer?.stop(0);
    await recorder?.stop(1_000);
    await producer?.disconnect().catch(() => undefined);
    await ch.close();
  };

  return {
    name: 'aggregator',
    start,
    stop: () => (stopped ??= stopOnce()),
    healthcheck: async () => (await ch.ping().catch(() => false)) && consumer !== undefined,
    consumer: () => consumer,
  };
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
