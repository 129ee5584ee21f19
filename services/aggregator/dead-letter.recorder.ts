import type { ClickHouse } from '../../lib/platform/clickhouse/clickhouse-client';
import { formatDateTime } from '../../lib/platform/clickhouse/sql';
import { startBatchConsumer, type BatchConsumer, type ConsumedMessage } from '../../lib/platform/kafka/batch-consumer';
import type { KafkaCluster } from '../../lib/platform/kafka/kafka-client';
import type { Logger } from '../../lib/platform/logger';

/** One dead_letters row (sql/clickhouse/0120): where the refused message was and why; neither its bytes nor its key. */
export function deadLetterRow(message: ConsumedMessage): Record<string, string | number> {
  const headers = new Map([...message.headers].map(([name, value]) => [name.toString(), value.toString()]));
  const stamp = formatDateTime(new Date(Number(message.timestamp)));
  return {
    day: stamp.slice(0, 10),
    dead_lettered_at: stamp,
    original_topic: headers.get('x-original-topic') ?? '',
    original_partition: Number(headers.get('x-original-partition') ?? 0) || 0,
    original_offset: /^\d+$/.test(headers.get('x-original-offset') ?? '')
      ? String(headers.get('x-original-offset'))
      : '0',
    error_code: headers.get('x-error-code') ?? '',
    error_message: (headers.get('x-error-message') ?? '').slice(0, 500),
  };
}

/**
 * Records the dead-letter topic in ClickHouse for the pipeline-health dashboard, in its own consumer group, apart
 * from the aggregator's exactly-once insert. NOTE: at least once, counted once. A batch's rows land before its offset
 * is committed, so a crash writes them again, and the aggregator may dead-letter one message twice; the dashboards
 * count distinct (original topic, partition, offset), the message's own position, so neither shows twice.
 */
export function startDeadLetterRecorder(deps: {
  kafka: KafkaCluster;
  groupId: string;
  topic: string;
  ch: Pick<ClickHouse, 'insert'>;
  log: Logger;
}): Promise<BatchConsumer> {
  const log = deps.log.child({ component: 'dead-letter-recorder' });
  return startBatchConsumer({
    kafka: deps.kafka,
    groupId: deps.groupId,
    topics: [deps.topic],
    log,
    fromBeginning: true,
    maxBatch: 5_000,
    onBatch: async (batch) => {
      await deps.ch.insert('dead_letters', batch.messages.map(deadLetterRow));
      batch.commit();
    },
  });
}
