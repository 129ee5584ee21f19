import { Consumer, MessagesStreamModes, MessagesStreamFallbackModes, type Message, type MessagesStream } from '@platformatic/kafka';
import type { Logger } from '../logger';
import { baseOptions, type KafkaCluster } from './kafka-client';

/**
 * One message as consumers see it: raw key and value bytes (Avro decoding is the caller's). The client's own
 * message objects have this shape and are handed over as they are (no copy per message).
 */
export interface ConsumedMessage {
  readonly offset: bigint;
  readonly key: Buffer | null | undefined;
  readonly value: Buffer | null | undefined;
  /** epoch milliseconds the record was produced (CreateTime) */
  readonly timestamp: bigint;
  readonly headers: Map<Buffer, Buffer>;
}

/** Consecutive messages of one partition, in offset order. */
export interface MessageBatch {
  topic: string;
  partition: number;
  messages: ConsumedMessage[];
  /** Commits the offset after this batch's last message (coalesced with other commits; never throws). */
  commit(): void;
}

export interface BatchConsumerOptions {
  kafka: KafkaCluster;
  groupId: string;
  topics: string[];
  log: Logger;
  /** where a group with no committed offset starts: the beginning (default) or only new messages */
  fromBeginning?: boolean;
  sessionTimeoutMs?: number;
  /** most messages handed over in one batch */
  maxBatch?: number;
  /** messages received and not yet handled beyond which fetching pauses */
  maxInFlight?: number;
  /** longest a fetch waits on the broker for data */
  maxWaitMs?: number;
  maxBytesPerPartition?: number;
  /**
   * Handles one batch. Batches of one partition are handed over one at a time, in order; different partitions
   * run concurrently. The batch's offset is committed only when the handler calls commit(): a handler that
   * returns before its work has landed (pipelining) commits later itself.
   */
  onBatch(batch: MessageBatch): Promise<void>;
  /** the group (re)assigned partitions: offsets restart from the committed ones, anything in hand is stale */
  onRebalance?(): void;
}

export interface BatchConsumer {
  /** batches being handled right now */
  readonly active: number;
  pause(): void;
  resume(): void;
  /** Stops fetching, waits up to `graceMs` for the batches in hand, then leaves the group. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

const RETRY_MAX_MS = 5_000;

/**
 * A consumer-group member that hands messages over in per-partition batches and commits only what its handler
 * says has landed. Built on the client's message stream: one fetch response arrives in one turn of the event loop,
 * so everything received before the next turn forms the batches of that fetch.
 *
 * NOTE: at-least-once, never skipping. An offset is committed only after its batch was handled; a handler that
 * fails is retried with backoff on the same batch (later batches of that partition wait, so order holds) until it
 * succeeds, the group moves the partition (the new owner starts from the committed offset) or the consumer stops.
 * Handlers make their writes idempotent by event_id, which turns this into exactly once in effect.
 */
export async function startBatchConsumer(options: BatchConsumerOptions): Promise<BatchConsumer> {
  const log = options.log.child({ groupId: options.groupId });
  const sessionTimeout = options.sessionTimeoutMs ?? 30_000;
  const consumer = new Consumer({
    ...baseOptions(options.kafka),
    groupId: options.groupId,
    autocommit: false,
    sessionTimeout,
    rebalanceTimeout: Math.max(sessionTimeout * 2, 20_000),
    heartbeatInterval: Math.max(300, Math.floor(sessionTimeout / 5)),
    maxWaitTime: options.maxWaitMs ?? 100,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 8 * 1024 * 1024,
    maxBytes: 64 * 1024 * 1024,
    highWaterMark: options.maxInFlight ?? 50_000,
  });
  let generation = 0;
  consumer.on('consumer:group:join', () => {
    generation++;
    options.onRebalance?.();
  });
  const stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> = await consumer.consume({
    topics: options.topics,
    mode: MessagesStreamModes.COMMITTED,
    fallbackMode: options.fromBeginning === false ? MessagesStreamFallbackModes.LATEST : MessagesStreamFallbackModes.EARLIEST,
  });
  const maxBatch = options.maxBatch ?? 50_000;
  const maxInFlight = options.maxInFlight ?? 50_000;
  const chains = new Map<string, Promise<void>>();
  let received = new Map<string, Message<Buffer, Buffer, Buffer, Buffer>[]>();
  let scheduled = false;
  let inHand = 0;
  let active = 0;
  let stopping = false;
  let pausedByUser = false;

  const flowControl = (): void => {
    if (pausedByUser || stopping || inHand >= maxInFlight) stream.pause();
    else stream.resume();
  };

  const handle = async (batch: MessageBatch, born: number): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      if (stopping || born !== generation) return;
      try {
        await options.onBatch(batch);
        return;
      } catch (error) {
        const wait = Math.min(RETRY_MAX_MS, 100 * 2 ** attempt);
        log.warn({ topic: batch.topic, partition: batch.partition, attempt, err: (error as Error).message }, 'batch_retry');
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  };

  const dispatch = (): void => {
    scheduled = false;
    const byPartition = received;
    received = new Map();
    const born = generation;
    for (const [key, messages] of byPartition) {
      for (let first = 0; first < messages.length; first += maxBatch) {
        const slice = messages.slice(first, first + maxBatch);
        const last = slice[slice.length - 1] as Message<Buffer, Buffer, Buffer, Buffer>;
        const batch: MessageBatch = {
          topic: last.topic,
          partition: last.partition,
          messages: slice,
          commit: () => void Promise.resolve(last.commit()).catch((error: Error) => log.debug({ err: error.message }, 'offset_commit_skipped')),
        };
        const previous = chains.get(key) ?? Promise.resolve();
        const next = previous.then(async () => {
          active++;
          try {
            await handle(batch, born);
          } finally {
            active--;
            inHand -= slice.length;
            flowControl();
          }
        });
        chains.set(key, next);
        void next.finally(() => chains.get(key) === next && chains.delete(key));
      }
    }
  };

  stream.on('data', (message: Message<Buffer, Buffer, Buffer, Buffer>) => {
    const key = `${message.topic}\u0000${message.partition}`;
    let list = received.get(key);
    if (!list) received.set(key, (list = []));
    list.push(message);
    inHand++;
    if (inHand >= maxInFlight) stream.pause();
    if (!scheduled) {
      scheduled = true;
      setImmediate(dispatch);
    }
  });
  stream.on('error', (error: Error) => log.error({ err: error.message }, 'consumer_stream_error'));

  let stopped: Promise<void> | undefined;
  const stopOnce = async (graceMs: number): Promise<void> => {
    stream.pause();
    const deadline = Date.now() + graceMs;
    while (active > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    stopping = true;
    await stream.close().catch((error: Error) => log.warn({ err: error.message }, 'consumer_stream_close_failed'));
    await consumer.close(true).catch((error: Error) => log.warn({ err: error.message }, 'consumer_close_failed'));
  };

  return {
    get active() {
      return active;
    },
    pause: () => {
      pausedByUser = true;
      flowControl();
    },
    resume: () => {
      pausedByUser = false;
      flowControl();
    },
    stop: (graceMs = 5_000) => (stopped ??= stopOnce(graceMs)),
  };
}
