import {
  BatchingProducer,
  batchSender,
  createProducer,
  type KafkaCluster,
  type KafkaProducer,
  type OutgoingMessage,
} from '../../lib/platform/kafka/kafka-client';

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
export function createKafkaProducer(kafka: KafkaCluster): KafkaProducer {
  return createProducer(kafka, { retries: 2 });
}

/** lib/platform/kafka's BatchingProducer (linger or max batch, acks=all) in the HTTP thread, timing every batch. */
export class InThreadProducer implements EventProducer {
  private readonly batching: BatchingProducer;

  constructor(producer: KafkaProducer, settings: BatchSettings, observer: BatchObserver) {
    const sender = batchSender(producer);
    this.batching = new BatchingProducer(
      {
        sendBatch: async (messages) => {
          const started = performance.now();
          await sender.sendBatch(messages);
          observer.batchSent(messages.length, (performance.now() - started) / 1000);
        },
        close: () => sender.close(),
      },
      settings,
    );
  }

  /** The client connects on its first send; a broker that is away then fails that send into the spool. */
  async connect(): Promise<void> {}

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
    await this.batching.disconnect();
  }
}
