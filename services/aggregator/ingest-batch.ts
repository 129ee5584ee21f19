import type { ConsumedMessage } from '../../lib/platform/kafka/batch-consumer';

/** The decoded messages of one Kafka batch as events_ingest TabSeparated lines (ingest-tsv.ts). */
export interface IngestBatch {
  topic: string;
  partition: number;
  /** the Kafka offset of each line, in line order (offsets stay far below 2^53) */
  offsets: number[];
  /** one line per offset, each ending in a newline (escaped values hold none) */
  tsv: Buffer;
  /** the messages the lines were decoded from, for the dead-letter topic should ClickHouse refuse one */
  messages?: readonly ConsumedMessage[];
}
