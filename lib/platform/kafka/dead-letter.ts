import type { OutgoingMessage } from './kafka-client';

/** Dead-letter record: the original bytes, with where they came from and why they were refused. */
export function deadLetterMessage(options: {
  deadLetterTopic: string;
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | string | null;
  value: Buffer | null;
  error: Error & { code?: string };
}): OutgoingMessage {
  return {
    topic: options.deadLetterTopic,
    key: options.key === null ? `${options.topic}/${options.partition}` : options.key.toString(),
    value: options.value ?? Buffer.alloc(0),
    headers: {
      'x-original-topic': options.topic,
      'x-original-partition': String(options.partition),
      'x-original-offset': options.offset,
      'x-error-code': options.error.code ?? 'UNKNOWN',
      'x-error-message': options.error.message.slice(0, 500),
    },
  };
}
