import {
  Admin,
  compatibilityPartitioner,
  findErrorBy,
  ProduceAcks,
  Producer,
  stringSerializer,
  type BaseOptions,
  type MessageToProduce,
} from '@platformatic/kafka';
import type { Logger } from '../logger';
import { exponentialBackoff, pollUntil } from '../retry';
import { DEFAULT_PARTITIONS, type Topics } from './topics';

/**
 * Where Cairn's Kafka is and who is asking. The client library (@platformatic/kafka, docs/kafka.md says why) stays
 * behind lib/platform/kafka: services hold this handle and build producers and consumers through the helpers here.
 */
export interface KafkaCluster {
  readonly clientId: string;
  readonly brokers: readonly string[];
  readonly log: Logger;
}

export function createKafka(options: { clientId: string; brokers: string[]; log: Logger }): KafkaCluster {
  return Object.freeze({
    clientId: options.clientId,
    brokers: Object.freeze([...options.brokers]),
    log: options.log.child({ component: 'kafka' }),
  });
}

/** Connection options every client shares; `retries` bounds how long a call keeps trying a broker that is away. */
export function baseOptions(kafka: KafkaCluster, overrides: Partial<BaseOptions> = {}): BaseOptions {
  return {
    clientId: kafka.clientId,
    bootstrapBrokers: [...kafka.brokers],
    retries: 8,
    retryDelay: 250,
    timeout: 10_000,
    ...overrides,
  };
}

const SERVED_WITHIN_MS = 30_000;

/** Creates the topics that are missing (idempotent) and waits until each partition has a leader. */
export async function ensureTopics(
  kafka: KafkaCluster,
  topics: Topics,
  partitions = DEFAULT_PARTITIONS,
): Promise<void> {
  const admin = new Admin(baseOptions(kafka));
  try {
    const existing = new Set(await admin.listTopics());
    const wanted = Object.values(topics).filter((name) => !existing.has(name));
    if (wanted.length === 0) return;
    await admin.createTopics({ topics: wanted, partitions, replicas: 1 }).catch((error: Error) => {
      // Another process created one of them meanwhile (services starting together): that is the outcome we want,
      // and the wait below checks every topic. The client nests the broker's per-topic errors; findErrorBy looks.
      if (!findErrorBy(error, 'apiId', 'TOPIC_ALREADY_EXISTS')) throw error;
    });
    const led = async (): Promise<boolean> => {
      const metadata = await admin.metadata({ topics: wanted, forceUpdate: true }).catch(() => undefined);
      return (
        !!metadata &&
        wanted.every((topic) => {
          const found = metadata.topics.get(topic);
          return (
            found !== undefined && found.partitionsCount === partitions && found.partitions.every((p) => p.leader >= 0)
          );
        })
      );
    };
    await pollUntil(led, {
      pause: exponentialBackoff(25, 500),
      deadlineMs: SERVED_WITHIN_MS,
      timeout: () => new Error(`topics ${wanted.join(', ')} have no leader after ${SERVED_WITHIN_MS} ms`),
    });
  } finally {
    await admin.close();
  }
}

/** Deletes topics (tests clean up after themselves); unknown topics are ignored. */
export async function deleteTopics(kafka: KafkaCluster, names: string[]): Promise<void> {
  if (names.length === 0) return;
  const admin = new Admin(baseOptions(kafka));
  try {
    const existing = new Set(await admin.listTopics());
    const topics = names.filter((name) => existing.has(name));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } finally {
    await admin.close();
  }
}

export interface OutgoingMessage {
  topic: string;
  key: string;
  value: Buffer;
  headers?: Record<string, string>;
}

/** Keys are strings (contact ids) or, from ingest's worker thread, the bytes of one. */
export type KafkaProducer = Producer<string | Buffer, Buffer, string, string>;
type KafkaMessage = MessageToProduce<string | Buffer, Buffer, string, string>;

/**
 * A producer with Cairn's settings: idempotent (a retried request is not written twice: the broker drops the
 * resent batch by its producer id and sequence), acks=all, murmur2 of the key as the Java client partitions (one
 * contact, one partition, whoever produces), and never creating topics by accident.
 *
 * NOTE: the record timestamp is the time of the produce (Kafka's CreateTime default), never the event's own time.
 * Kafka 4 refuses records whose timestamp is far from the broker's clock (log.message.timestamp.before/after.max.ms),
 * and an event may legitimately be days old (a spooled hit replayed, a batch import) or a little in the future (a
 * client's skewed clock). The event's time travels in the Avro body (event_time) and is what every KPI uses.
 */
export function createProducer(kafka: KafkaCluster, options: { retries?: number } = {}): KafkaProducer {
  return new Producer({
    ...baseOptions(kafka, options.retries === undefined ? {} : { retries: options.retries }),
    idempotent: true,
    acks: ProduceAcks.ALL,
    autocreateTopics: false,
    partitioner: compatibilityPartitioner,
    serializers: {
      key: (key?: string | Buffer) => (typeof key === 'string' ? Buffer.from(key) : key),
      headerKey: stringSerializer,
      headerValue: stringSerializer,
    },
  });
}

export function toKafkaMessage(message: OutgoingMessage): KafkaMessage {
  return message.headers
    ? { topic: message.topic, key: message.key, value: message.value, headers: message.headers }
    : { topic: message.topic, key: message.key, value: message.value };
}

/** What BatchingProducer needs of a producer: one call per batch, resolved once Kafka acknowledged every message. */
export interface BatchSender {
  sendBatch(messages: OutgoingMessage[]): Promise<void>;
  close(): Promise<void>;
}

export function batchSender(producer: KafkaProducer): BatchSender {
  return {
    sendBatch: async (messages) => void (await producer.send({ messages: messages.map(toKafkaMessage) })),
    close: () => producer.close(),
  };
}

/**
 * Bytes per produce call of sendMany: the whole call could land in one partition's record batch, which the broker
 * refuses above message.max.bytes (1 MiB by default).
 */
const SEND_MANY_BYTES = 512 * 1024;

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
    private readonly sender: BatchSender,
    private readonly options: { lingerMs: number; maxBatch: number } = { lingerMs: 5, maxBatch: 500 },
  ) {}

  static async connect(
    kafka: KafkaCluster,
    options?: { lingerMs: number; maxBatch: number },
  ): Promise<BatchingProducer> {
    return new BatchingProducer(batchSender(createProducer(kafka)), options);
  }

  send(message: OutgoingMessage): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ message, resolve, reject });
      if (this.queue.length >= this.options.maxBatch) this.flushNow();
      else this.timer ??= setTimeout(() => this.flushNow(), this.options.lingerMs);
    });
  }

  /**
   * Sends a whole array as produce calls of up to SEND_MANY_BYTES each (no promise per message: outbox relays
   * hand over thousands at once); resolves when the broker has acknowledged every one.
   */
  async sendMany(messages: OutgoingMessage[]): Promise<void> {
    const calls: Promise<void>[] = [];
    let start = 0;
    let bytes = 0;
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i] as OutgoingMessage;
      bytes += message.value.length + message.key.length;
      if (bytes >= SEND_MANY_BYTES || i === messages.length - 1) {
        calls.push(this.sender.sendBatch(messages.slice(start, i + 1)));
        start = i + 1;
        bytes = 0;
      }
    }
    await Promise.all(calls);
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
    const work = this.sender.sendBatch(batch.map((pending) => pending.message)).then(
      () => batch.forEach((pending) => pending.resolve()),
      (error: Error) => batch.forEach((pending) => pending.reject(error)),
    );
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  /** Sends what is queued and waits for every batch in flight. */
  async flush(): Promise<void> {
    this.flushNow();
    await Promise.allSettled([...this.inFlight]);
  }

  async disconnect(): Promise<void> {
    await this.flush();
    await this.sender.close();
  }
}

/** Offsets a consumer group has committed, summed over the topics' partitions (lag checks, tests). */
export async function committedOffsetTotal(kafka: KafkaCluster, groupId: string, topics: string[]): Promise<number> {
  const admin = new Admin(baseOptions(kafka));
  try {
    const groups = await admin.listConsumerGroupOffsets({ groups: [groupId] });
    let total = 0;
    for (const topic of groups[0]?.topics ?? []) {
      if (!topics.includes(topic.name)) continue;
      for (const partition of topic.partitions) total += Math.max(0, Number(partition.committedOffset));
    }
    return total;
  } finally {
    await admin.close();
  }
}

/**
 * Messages of a topic that a consumer group has not committed yet, over all its partitions: 0 once the group has
 * handled everything produced so far (tests wait for it before asserting that something did not happen).
 */
export async function consumerLag(
  kafka: KafkaCluster,
  groupId: string,
  topic: string,
  partitions = DEFAULT_PARTITIONS,
): Promise<number> {
  const admin = new Admin(baseOptions(kafka));
  try {
    const latest = Array.from({ length: partitions }, (_, partitionIndex) => ({ partitionIndex, timestamp: -1n }));
    const [ends, groups] = await Promise.all([
      admin.listOffsets({ topics: [{ name: topic, partitions: latest }] }),
      admin.listConsumerGroupOffsets({ groups: [groupId] }),
    ]);
    const committed = new Map(
      (groups[0]?.topics.find((t) => t.name === topic)?.partitions ?? []).map((p) => [
        p.partitionIndex,
        Math.max(0, Number(p.committedOffset)),
      ]),
    );
    return (ends[0]?.partitions ?? []).reduce(
      (lag, p) => lag + Math.max(0, Number(p.offset) - (committed.get(p.partitionIndex) ?? 0)),
      0,
    );
  } finally {
    await admin.close();
  }
}

/** Every topic on the cluster (tests look for what they left behind). */
export async function listTopics(kafka: KafkaCluster): Promise<string[]> {
  const admin = new Admin(baseOptions(kafka));
  try {
    return await admin.listTopics();
  } finally {
    await admin.close();
  }
}
