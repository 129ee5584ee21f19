import { randomUUID } from 'node:crypto';
import { EventCodec } from '../../lib/contracts/events/event-codec';
import type { CairnEvent } from '../../lib/contracts/events/event-types';
import { startBatchConsumer, type BatchConsumer } from '../../lib/platform/kafka/batch-consumer';
import type { KafkaCluster } from '../../lib/platform/kafka/kafka-client';
import { testLogger } from './test-env';

export interface RawRecord {
  topic: string;
  partition: number;
  offset: bigint;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
  /** the record's timestamp (epoch ms): when it was produced */
  timestamp: number;
}

/** Reads every message of the topics from the beginning (a group of its own), decoded where it is an event. */
export class TopicReader {
  readonly events: CairnEvent[] = [];
  readonly raw: RawRecord[] = [];
  private consumer: BatchConsumer | undefined;

  constructor(
    private readonly kafka: KafkaCluster,
    private readonly topics: string[],
  ) {}

  async start(): Promise<this> {
    const codec = new EventCodec();
    this.consumer = await startBatchConsumer({
      kafka: this.kafka,
      groupId: `reader-${randomUUID()}`,
      topics: this.topics,
      log: testLogger('topic-reader'),
      fromBeginning: true,
      onBatch: async ({ topic, partition, messages }) => {
        for (const message of messages) {
          if (!message.value) continue;
          const headers = Object.fromEntries([...message.headers].map(([k, v]) => [k.toString(), v.toString()]));
          this.raw.push({
            topic,
            partition,
            offset: message.offset,
            key: message.key?.toString() ?? '',
            value: message.value,
            headers,
            timestamp: Number(message.timestamp),
          });
          try {
            this.events.push(codec.decode(message.value));
          } catch {
            // not an event (forward requests, poison); kept in raw
          }
        }
      },
    });
    return this;
  }

  byMessage(messageId: string): CairnEvent[] {
    return this.events.filter((e) => 'message_id' in e.data && e.data.message_id === messageId);
  }

  async stop(): Promise<void> {
    await this.consumer?.stop(0);
  }
}
