import {
  Consumer,
  MessagesStreamModes,
  MessagesStreamFallbackModes,
  type Message,
  type MessagesStream,
} from '@platformatic/kafka';
import type { Logger } from '../logger';
import { exponentialBackoff, retry } from '../retry';
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
  /** messages received and not yet handed over (they wait for their partition's batch in hand) */
  readonly waiting: number;
  pause(): void;
  resume(): void;
  /** Stops fetching, waits up to `graceMs` for the batches in hand, then leaves the group. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

const RETRY_MAX_MS = 5_000;

/**
 * A consumer-group member that hands messages over in per-partition batches and commits only what its handler
 * says has landed. Built on the client's message stream: one fetch response arrives in one turn of the event loop,
 * so everything received before the next turn forms a partition's batch; while a partition's batch is handled, what
 * arrives for it waits and goes over as its next batch (one batch per partition at a time).
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
  const maxBatch = options.maxBatch ?? 50_000;
  const maxInFlight = options.maxInFlight ?? 50_000;
  /** per partition: messages received and not yet handed over, and whether a batch of it is being handled */
  const partitions = new Map<string, { waiting: Message<Buffer, Buffer, Buffer, Buffer>[]; busy: boolean }>();
  const touched = new Set<string>();
  let generation = 0;
  let inHand = 0;
  let active = 0;
  let stopping = false;
  let pausedByUser = false;
  /** the message stream, once consume() opened it (a group join may come first) */
  const live: { stream?: MessagesStream<Buffer, Buffer, Buffer, Buffer> } = {};

  const flowControl = (): void => {
    if (pausedByUser || stopping || inHand >= maxInFlight) live.stream?.pause();
    else live.stream?.resume();
  };

  consumer.on('consumer:group:join', () => {
    generation++;
    // What was received under the old assignment is stale: the stream restarts from the committed offsets.
    for (const partition of partitions.values()) {
      inHand -= partition.waiting.length;
      partition.waiting = [];
    }
    options.onRebalance?.();
    flowControl();
  });

  const handle = async (batch: MessageBatch, born: number): Promise<void> => {
    const abandoned = (): boolean => stopping || born !== generation;
    if (abandoned()) return;
    // Only a stop or a rebalance ends the retries: the batch is then the next owner's, from the committed offset.
    await retry(() => options.onBatch(batch), {
      pause: exponentialBackoff(100, RETRY_MAX_MS),
      giveUp: abandoned,
      onRetry: (error, n) =>
        log.warn(
          { topic: batch.topic, partition: batch.partition, attempt: n - 1, err: (error as Error).message },
          'batch_retry',
        ),
    }).catch(() => undefined);
  };

  /**
   * Hands a partition's waiting messages over as one batch once its previous batch is done. NOTE: a handler that
   * is slower than the fetches (a ClickHouse insert per batch) gets everything that arrived meanwhile in its next
   * batch, so batches grow with the backlog instead of staying the size of each fetch (one message per fetch
   * when events trickle in, which capped a partition at one message per insert).
   */
  const drain = (key: string): void => {
    const partition = partitions.get(key);
    if (!partition || partition.busy || partition.waiting.length === 0) return;
    const slice = partition.waiting.splice(0, maxBatch);
    const last = slice[slice.length - 1] as Message<Buffer, Buffer, Buffer, Buffer>;
    const batch: MessageBatch = {
      topic: last.topic,
      partition: last.partition,
      messages: slice,
      commit: () =>
        void Promise.resolve(last.commit()).catch((error: Error) =>
          log.debug({ err: error.message }, 'offset_commit_skipped'),
        ),
    };
    partition.busy = true;
    active++;
    void handle(batch, generation).finally(() => {
      active--;
      inHand -= slice.length;
      partition.busy = false;
      flowControl();
      drain(key);
    });
  };

  // Everything received in one turn of the event loop (one fetch response) forms the first batch of a partition.
  const drainTouched = (): void => {
    const keys = [...touched];
    touched.clear();
    for (const key of keys) drain(key);
  };

  const opened = await consumer.consume({
    topics: options.topics,
    mode: MessagesStreamModes.COMMITTED,
    fallbackMode:
      options.fromBeginning === false ? MessagesStreamFallbackModes.LATEST : MessagesStreamFallbackModes.EARLIEST,
  });
  live.stream = opened;
  opened.on('data', (message: Message<Buffer, Buffer, Buffer, Buffer>) => {
    const key = `${message.topic}\u0000${message.partition}`;
    let partition = partitions.get(key);
    if (!partition) partitions.set(key, (partition = { waiting: [], busy: false }));
    partition.waiting.push(message);
    inHand++;
    if (inHand >= maxInFlight) opened.pause();
    if (touched.size === 0) setImmediate(drainTouched);
    touched.add(key);
  });
  opened.on('error', (error: Error) => log.error({ err: error.message }, 'consumer_stream_error'));

  let stopped: Promise<void> | undefined;
  const stopOnce = async (graceMs: number): Promise<void> => {
    opened.pause();
    const deadline = Date.now() + graceMs;
    while (active > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    stopping = true;
    await opened.close().catch((error: Error) => log.warn({ err: error.message }, 'consumer_stream_close_failed'));
    await consumer.close(true).catch((error: Error) => log.warn({ err: error.message }, 'consumer_close_failed'));
  };

  return {
    get active() {
      return active;
    },
    get waiting() {
      return [...partitions.values()].reduce((sum, partition) => sum + partition.waiting.length, 0);
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
