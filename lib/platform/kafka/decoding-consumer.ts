import type { Logger } from '../logger';
import { startBatchConsumer, type BatchConsumer, type ConsumedMessage } from './batch-consumer';
import { deadLetterMessage } from './dead-letter';
import type { BatchingProducer, KafkaCluster } from './kafka-client';
import { isolatePoison } from './poison';

/**
 * Turns a message's bytes into the consumer's typed value, or throws (a coded error, e.g. the event codec's) for
 * bytes it cannot read: the consumer then dead-letters the message with that error. The consumer knows nothing
 * of what the bytes hold; each topic's contract brings its decoder (lib/contracts).
 */
export type Decoder<T> = (bytes: Buffer) => T;

/** One decoded message with its place in the topic. */
export interface DecodedMessage<T> {
  topic: string;
  partition: number;
  offset: string;
  value: T;
}

export interface DecodingConsumerOptions<T> {
  kafka: KafkaCluster;
  groupId: string;
  topics: string[];
  deadLetterTopic: string;
  decode: Decoder<T>;
  producer: BatchingProducer;
  log: Logger;
  fromBeginning?: boolean;
  /** times a message may fail alone with a data error before it is dead-lettered (CAIRN_KAFKA_POISON_ATTEMPTS; 3) */
  poisonAttempts?: number;
  /**
   * The sink. It must be idempotent (by event_id, for events): a batch is redelivered if the process dies before
   * the commit, and after a data error it is called again on parts of the batch (lib/platform/kafka/poison.ts).
   */
  onBatch: (messages: DecodedMessage<T>[], partition: { topic: string; partition: number }) => Promise<void>;
}

/**
 * Decodes one message, or sends it to the dead-letter topic (original bytes, topic/partition/offset, error)
 * and returns null. The send is pushed onto deadLetters for the caller to await before committing.
 */
export function decodeOrDeadLetter<T>(
  options: Pick<DecodingConsumerOptions<T>, 'decode' | 'producer' | 'deadLetterTopic'>,
  at: { topic: string; partition: number; log: Logger },
  message: ConsumedMessage,
  deadLetters: Promise<void>[],
): T | null {
  try {
    if (!message.value || message.value.length === 0)
      throw Object.assign(new Error('empty message value'), { code: 'EVENT_TOO_SHORT' });
    return options.decode(message.value);
  } catch (error) {
    deadLetter(options, at, message, deadLetters, error as Error);
    return null;
  }
}

/** Sends a message that cannot be used, with its origin and the error, to the dead-letter topic. */
export function deadLetter(
  options: Pick<DecodingConsumerOptions<unknown>, 'producer' | 'deadLetterTopic'>,
  at: { topic: string; partition: number; log: Logger },
  message: ConsumedMessage,
  deadLetters: Promise<void>[],
  error: Error,
): void {
  const offset = message.offset.toString();
  at.log.warn({ offset, code: (error as { code?: string }).code }, 'message_dead_lettered');
  const letter = deadLetterMessage({
    deadLetterTopic: options.deadLetterTopic,
    topic: at.topic,
    partition: at.partition,
    offset,
    key: message.key ?? null,
    value: message.value ?? null,
    error,
  });
  deadLetters.push(options.producer.send(letter));
}

/**
 * Decode, await the sink, dead-letter the undecodable, then commit. A sink outage is retried on the same batch
 * before any offset moves (lib/platform/kafka/batch-consumer.ts), so nothing is skipped; a data error is narrowed down to
 * the messages that cause it, which are dead-lettered with their reason once each failed alone poisonAttempts times,
 * and the partition moves on (poison never stalls: docs/security.md#poison-bodies-and-the-spool).
 */
export async function startDecodingConsumer<T>(options: DecodingConsumerOptions<T>): Promise<BatchConsumer> {
  return startBatchConsumer({
    kafka: options.kafka,
    groupId: options.groupId,
    topics: options.topics,
    log: options.log,
    fromBeginning: options.fromBeginning ?? true,
    maxBatch: 5_000,
    maxBytesPerPartition: 4 * 1024 * 1024,
    onBatch: async (batch) => {
      const at = {
        topic: batch.topic,
        partition: batch.partition,
        log: options.log.child({ topic: batch.topic, partition: batch.partition }),
      };
      const decoded: { consumed: DecodedMessage<T>; message: ConsumedMessage }[] = [];
      const deadLetters: Promise<void>[] = [];
      for (const message of batch.messages) {
        const value = decodeOrDeadLetter(options, at, message, deadLetters);
        if (value !== null)
          decoded.push({
            consumed: { topic: batch.topic, partition: batch.partition, offset: message.offset.toString(), value },
            message,
          });
      }
      await isolatePoison(decoded, {
        attempts: options.poisonAttempts ?? 3,
        log: at.log,
        run: (some) =>
          options.onBatch(
            some.map((e) => e.consumed),
            { topic: batch.topic, partition: batch.partition },
          ),
        poison: async ({ message }, error) => deadLetter(options, at, message, deadLetters, error),
      });
      await Promise.all(deadLetters);
      batch.commit();
    },
  });
}
