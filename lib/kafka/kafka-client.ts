import { CompressionTypes, Kafka, logLevel, type Admin, type Producer, type ProducerBatch } from 'kafkajs';
import type { Logger } from '../logger';
import { stopKafkajsIdleLoop } from './kafkajs-idle-loop';
import { LeanDefaultPartitioner, leanKafkajsProduce } from './kafkajs-lean-produce';
import { leanKafkajsRecords } from './kafkajs-lean-records';
import { DEFAULT_PARTITIONS, type Topics } from './topics';

/** kafkajs stays behind lib/kafka so the client can be swapped; services only see these helpers. */
export function createKafka(options: { clientId: string; brokers: string[]; log: Logger }): Kafka {
  stopKafkajsIdleLoop();
  leanKafkajsRecords();
  leanKafkajsProduce();
  const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
    [logLevel.ERROR]: 'error',
    [logLevel.WARN]: 'warn',
    [logLevel.INFO]: 'debug',
    [logLevel.DEBUG]: 'debug',
  };
  const kafkaLog = options.log.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 100, retries: 8 },
    logCreator:
      () =>
      ({ level, log }) => {
        const { message, ...extra } = log;
        kafkaLog[levels[level] ?? 'info']({ ...extra, namespace: undefined }, String(message));
      },
  });
}

const SERVED_WITHIN_MS = 30_000;

/**
 * Waits until the leader of every partition of a new topic serves it. waitForLeaders reads the metadata cache,
 * which names a leader a moment before that broker serves the partition: a produce in that moment fails for some
 * partitions ("not the leader"), and kafkajs (not idempotent) resends the whole request to the broker, writing
 * the other partitions' records twice. ListOffsets needs the same leadership as a produce, and kafkajs's admin
 * does not retry it on that error, so this does.
 */
async function untilServed(admin: Admin, topic: string): Promise<void> {
  const deadline = Date.now() + SERVED_WITHIN_MS;
  for (let wait = 25; ; wait = Math.min(wait * 2, 500)) {
    try {
      await admin.fetchTopicOffsets(topic);
      return;
    } catch (error) {
      if (!(error as { retriable?: boolean }).retriable || Date.now() + wait > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/** Creates the event topics (idempotent). Partition count is the unit of consumer parallelism. */
export async function ensureTopics(kafka: Kafka, topics: Topics, partitions = DEFAULT_PARTITIONS): Promise<void> {
  const admin: Admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const wanted = Object.values(topics).filter((name) => !existing.has(name));
    if (wanted.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: wanted.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
      });
      for (const topic of wanted) await untilServed(admin, topic);
    }
  } finally {
    await admin.disconnect();
  }
}

export interface OutgoingMessage {
  topic: string;
  key: string;
  value: Buffer;
  headers?: Record<string, string>;
}

interface Pending {
  message: OutgoingMessage;
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * Batches messages for a few milliseconds or a few hundred messages, whichever comes first, and sends each
 * batch with acks=all. send() resolves when the broker has acknowledged the message.
 */
export class BatchingProducer {
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight = new Set<Promise<void>>();

  constructor(
    private readonly producer: Producer,
    private readonly options: { lingerMs: number; maxBatch: number } = { lingerMs: 5, maxBatch: 500 },
  ) {}

  static async connect(kafka: Kafka, options?: { lingerMs: number; maxBatch: number }): Promise<BatchingProducer> {
    // The default partitioner is murmur2 on the key, as Java clients do: one contact, one partition.
    const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: LeanDefaultPartitioner });
    await producer.connect();
    return new BatchingProducer(producer, options);
  }

  send(message: OutgoingMessage): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ message, resolve, reject });
      if (this.queue.length >= this.options.maxBatch) this.flushNow();
      else this.timer ??= setTimeout(() => this.flushNow(), this.options.lingerMs);
    });
  }

  get pending(): number {
    return this.queue.length;
  }

  private flushNow(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    const work = this.sendBatch(batch);
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async sendBatch(batch: Pending[]): Promise<void> {
    const byTopic = new Map<string, ProducerBatch['topicMessages']>();
    const topicMessages: NonNullable<ProducerBatch['topicMessages']> = [];
    for (const { message } of batch) {
      let entry = byTopic.get(message.topic)?.[0];
      if (!entry) {
        entry = { topic: message.topic, messages: [] };
        byTopic.set(message.topic, [entry]);
        topicMessages.push(entry);
      }
      entry.messages.push({ key: message.key, value: message.value, headers: message.headers });
    }
    try {
      await this.producer.sendBatch({ topicMessages, acks: -1, compression: CompressionTypes.None });
      for (const pending of batch) pending.resolve();
    } catch (err) {
      for (const pending of batch) pending.reject(err as Error);
    }
  }

  /** Sends what is queued and waits for every batch in flight. */
  async flush(): Promise<void> {
    this.flushNow();
    await Promise.allSettled([...this.inFlight]);
  }

  async disconnect(): Promise<void> {
    await this.flush();
    await this.producer.disconnect();
  }
}
