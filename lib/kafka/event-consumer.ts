import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { CairnEvent } from '../events/event-types';
import type { EventCodec } from '../events/event-codec';
import type { Logger } from '../logger';
import { deadLetterMessage } from './dead-letter';
import type { BatchingProducer } from './kafka-client';

export interface ConsumedEvent {
  topic: string;
  partition: number;
  offset: string;
  event: CairnEvent;
}

export interface EventConsumerOptions {
  kafka: Kafka;
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
 * eachBatch with manual offset resolution: decode, await the sink, dead-letter the undecodable, then resolve
 * and commit. A sink failure throws before any offset moves, so kafkajs redelivers the batch.
 */
export async function startEventConsumer(options: EventConsumerOptions): Promise<Consumer> {
  const consumer = options.kafka.consumer({ groupId: options.groupId, maxBytesPerPartition: 4 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning ?? true });
  await consumer.run({
    eachBatchAutoResolve: false,
    autoCommit: true,
    eachBatch: (payload) => handleBatch(options, payload),
  });
  return consumer;
}

/**
 * Decodes one message, or sends it to the dead-letter topic (original bytes, topic/partition/offset, error)
 * and returns null. The send is pushed onto deadLetters for the caller to await before committing.
 */
export function decodeOrDeadLetter<T = CairnEvent>(
  options: Pick<EventConsumerOptions, 'codec' | 'producer' | 'deadLetterTopic'>,
  at: { topic: string; partition: number; log: Logger },
  message: KafkaMessage,
  deadLetters: Promise<void>[],
  /** what the consumer makes of the event; if that throws, the message is dead-lettered as well */
  convert: (event: CairnEvent) => T = (event) => event as T,
): T | null {
  try {
    if (!message.value) throw Object.assign(new Error('empty message value'), { code: 'EVENT_TOO_SHORT' });
    return convert(options.codec.decode(message.value));
  } catch (error) {
    at.log.warn({ offset: message.offset, code: (error as { code?: string }).code }, 'message_dead_lettered');
    const { key, value, offset } = message;
    const letter = deadLetterMessage({ deadLetterTopic: options.deadLetterTopic, topic: at.topic, partition: at.partition, offset, key, value, error: error as Error });
    deadLetters.push(options.producer.send(letter));
    return null;
  }
}

async function handleBatch(options: EventConsumerOptions, payload: EachBatchPayload): Promise<void> {
  const { batch } = payload;
  const at = { topic: batch.topic, partition: batch.partition, log: options.log.child({ topic: batch.topic, partition: batch.partition }) };
  const events: ConsumedEvent[] = [];
  const deadLetters: Promise<void>[] = [];
  for (const message of batch.messages) {
    const event = decodeOrDeadLetter(options, at, message, deadLetters);
    if (event) events.push({ topic: batch.topic, partition: batch.partition, offset: message.offset, event });
  }
  if (events.length > 0) await options.onBatch(events, { topic: batch.topic, partition: batch.partition });
  await Promise.all(deadLetters);
  const last = batch.messages[batch.messages.length - 1];
  if (last) payload.resolveOffset(last.offset);
  await payload.commitOffsetsIfNecessary();
  await payload.heartbeat();
}
