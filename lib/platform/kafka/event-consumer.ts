import type { CairnEvent } from '../../events/event-types';
import type { EventCodec } from '../../events/event-codec';
import type { Logger } from '../logger';
import { startBatchConsumer, type BatchConsumer, type ConsumedMessage } from './batch-consumer';
import { deadLetterMessage } from './dead-letter';
import type { BatchingProducer, KafkaCluster } from './kafka-client';
import { isolatePoison } from './poison';

export interface ConsumedEvent {
  topic: string;
  partition: number;
  offset: string;
  event: CairnEvent;
}

export interface EventConsumerOptions {
  kafka: KafkaCluster;
  groupId: string;
  topics: string[];
  deadLetterTopic: string;
  codec: EventCodec;
  producer: BatchingProducer;
  log: Logger;
  fromBeginning?: boolean;
  /** times an event may fail alone with a data error before it is dead-lettered (CAIRN_KAFKA_POISON_ATTEMPTS; 3) */
  poisonAttempts?: number;
  /**
   * The sink. It must be idempotent by event_id: a batch is redelivered if the process dies before the commit, and
   * after a data error it is called again on parts of the batch (lib/platform/kafka/poison.ts).
   */
  onBatch: (events: ConsumedEvent[], partition: { topic: string; partition: number }) => Promise<void>;
}

/**
 * Decodes one message, or sends it to the dead-letter topic (original bytes, topic/partition/offset, error)
 * and returns null. The send is pushed onto deadLetters for the caller to await before committing.
 */
export function decodeOrDeadLetter<T = CairnEvent>(
  options: Pick<EventConsumerOptions, 'codec' | 'producer' | 'deadLetterTopic'>,
  at: { topic: string; partition: number; log: Logger },
  message: ConsumedMessage,
  deadLetters: Promise<void>[],
  /** what the consumer makes of the event; if that throws, the message is dead-lettered as well */
  convert: (event: CairnEvent) => T = (event) => event as T,
): T | null {
  try {
    if (!message.value || message.value.length === 0) throw Object.assign(new Error('empty message value'), { code: 'EVENT_TOO_SHORT' });
    return convert(options.codec.decode(message.value));
  } catch (error) {
    deadLetter(options, at, message, deadLetters, error as Error);
    return null;
  }
}

/** Sends a message that cannot be used, with its origin and the error, to the dead-letter topic. */
export function deadLetter(
  options: Pick<EventConsumerOptions, 'producer' | 'deadLetterTopic'>,
  at: { topic: string; partition: number; log: Logger },
  message: ConsumedMessage,
  deadLetters: Promise<void>[],
  error: Error,
): void {
  const offset = message.offset.toString();
  at.log.warn({ offset, code: (error as { code?: string }).code }, 'message_dead_lettered');
  const letter = deadLetterMessage({ deadLetterTopic: options.deadLetterTopic, topic: at.topic, partition: at.partition, offset, key: message.key ?? null, value: message.value ?? null, error });
  deadLetters.push(options.producer.send(letter));
}

/**
 * Decode, await the sink, dead-letter the undecodable, then commit. A sink outage is retried on the same batch
 * before any offset moves (lib/platform/kafka/batch-consumer.ts), so nothing is skipped; a data error is narrowed down to
 * the events that cause it, which are dead-lettered with their reason once each failed alone poisonAttempts times,
 * and the partition moves on (GUIDE section 7: poison never stalls).
 */
export async function startEventConsumer(options: EventConsumerOptions): Promise<BatchConsumer> {
  return startBatchConsumer({
    kafka: options.kafka,
    groupId: options.groupId,
    topics: options.topics,
    log: options.log,
    fromBeginning: options.fromBeginning ?? true,
    maxBatch: 5_000,
    maxBytesPerPartition: 4 * 1024 * 1024,
    onBatch: async (batch) => {
      const at = { topic: batch.topic, partition: batch.partition, log: options.log.child({ topic: batch.topic, partition: batch.partition }) };
      const events: { consumed: ConsumedEvent; message: ConsumedMessage }[] = [];
      const deadLetters: Promise<void>[] = [];
      for (const message of batch.messages) {
        const event = decodeOrDeadLetter(options, at, message, deadLetters);
        if (event) events.push({ consumed: { topic: batch.topic, partition: batch.partition, offset: message.offset.toString(), event }, message });
      }
      await isolatePoison(events, {
        attempts: options.poisonAttempts ?? 3,
        log: at.log,
        run: (some) => options.onBatch(some.map((e) => e.consumed), { topic: batch.topic, partition: batch.partition }),
        poison: async ({ message }, error) => deadLetter(options, at, message, deadLetters, error),
      });
      await Promise.all(deadLetters);
      batch.commit();
    },
  });
}
