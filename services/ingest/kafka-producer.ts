import type { Kafka, Producer } from 'kafkajs';
import { BatchingProducer, type OutgoingMessage } from '../../lib/kafka/kafka-client';
import { LeanDefaultPartitioner } from '../../lib/kafka/kafkajs-lean-produce';

/** Called once per message: without an error once Kafka acknowledged it (acks=all), with one when the send failed. */
export type SendDone = (error?: Error) => void;

/** What the event sink needs from a Kafka producer, in this thread or in a worker thread. */
export interface EventProducer {
  connect(): Promise<void>;
  /** resolves once Kafka acknowledged the message (acks=all), rejects when the send failed */
  send(message: OutgoingMessage): Promise<void>;
  /** send() without a promise per message, for the pixel's hot path */
  enqueue(message: OutgoingMessage, done: SendDone): void;
  flush(): Promise<void>;
  disconnect(): Promise<void>;
}

export interface BatchObserver {
  batchSent(size: number, seconds: number): void;
}

export interface BatchSettings {
  lingerMs: number;
  maxBatch: number;
}

/** Few retries: a failing send goes to the durable spool quickly instead of holding memory for a minute. */
export function createKafkaProducer(kafka: Kafka): Producer {
  return kafka.producer({
    allowAutoTopicCreation: false,
    idempotent: false,
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
    // murmur2 of the key, as the Java client: a contact's events land on the same partition whoever produces.
    createPartitioner: LeanDefaultPartitioner,
  });
}

/** kafkajs behind lib/kafka's BatchingProducer (linger or max batch, acks=all), timing every batch. */
export class InThreadProducer implements EventProducer {
  private readonly batching: BatchingProducer;

  constructor(
    private readonly producer: Producer,
    settings: BatchSettings,
    observer: BatchObserver,
  ) {
    const timed: Producer = {
      ...producer,
      sendBatch: async (batch) => {
        const size = (batch.topicMessages ?? []).reduce((sum, t) => sum + t.messages.length, 0);
        const started = performance.now();
        const result = await producer.sendBatch(batch);
        observer.batchSent(size, (performance.now() - started) / 1000);
        return result;
      },
    };
    this.batching = new BatchingProducer(timed, settings);
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  send(message: OutgoingMessage): Promise<void> {
    return this.batching.send(message);
  }

  enqueue(message: OutgoingMessage, done: SendDone): void {
    this.batching.send(message).then(() => done(), done);
  }

  flush(): Promise<void> {
    return this.batching.flush();
  }

  async disconnect(): Promise<void> {
    await this.batching.flush();
    await this.producer.disconnect();
  }
}
