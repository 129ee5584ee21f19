import type { CairnEvent } from '../events/event-types';
import type { EventCodec } from '../events/event-codec';
import type { Logger } from '../logger';
import { startBatchConsumer, type BatchConsumer, type ConsumedMessage } from './batch-consumer';
import { deadLetterMessage } from './dead-letter';
import type { BatchingProducer, KafkaCluster } from './kafka-client';

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
  /** The sink. It must be idempotent by event_id: a batch is redelivered if the process dies before the commit. */
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
 * Decode, await the sink, dead-letter the undecodable, then commit. A sink failure is retried on the same batch
 * before any offset moves (lib/kafka/batch-consumer.ts), so nothing is skipped.
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
      const events: ConsumedEvent[] = [];
      const deadLetters: Promise<void>[] = [];
      for (const message of batch.messages) {
        const event = decodeOrDeadLetter(options, at, message, deadLetters);
        if (event) events.push({ topic: batch.topic, partition: batch.partition, offset: message.offset.toString(), event });
      }
      if (events.length > 0) await options.onBatch(events, { topic: batch.topic, partition: batch.partition });
      await Promise.all(deadLetters);
      batch.commit();
    },
  });
}
