import { Consumer, type Message } from '@platformatic/kafka';
import type { Logger } from '../logger';
import { exponentialBackoff, retry } from '../retry';
import { baseOptions, type KafkaCluster } from './kafka-client';
import { type LiveStream, StreamPerGeneration } from './stream-per-generation';

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

type RawMessage = Message<Buffer, Buffer, Buffer, Buffer>;

/** A group member that commits by hand, with the fetch sizes and timeouts of `options`. */
function groupMember(options: BatchConsumerOptions): Consumer<Buffer, Buffer, Buffer, Buffer> {
  const sessionTimeout = options.sessionTimeoutMs ?? 30_000;
  return new Consumer({
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
}

/**
 * The messages of a group member's stream, gathered per partition and handed to the handler one batch of a
 * partition at a time: receive (from the stream), drain (a partition's waiting messages into a batch), handle
 * (the handler, retried), commit (when the handler says the batch landed), rebalance (what is in hand is stale).
 */
class PartitionBatcher {
  /** per partition: messages received and not yet handed over, and whether a batch of it is being handled */
  private readonly partitions = new Map<string, { waiting: RawMessage[]; busy: boolean }>();
  private readonly touched = new Set<string>();
  private generation = 0;
  private inHand = 0;
  /** batches being handled right now */
  active = 0;
  stopping = false;
  pausedByUser = false;
  /**
   * The stream whose messages count: opened after the latest group join. Undefined while the first one is being
   * opened (the first join comes first) and from a later join until its replacement is open.
   */
  live?: LiveStream;

  constructor(
    private readonly options: BatchConsumerOptions,
    private readonly log: Logger,
  ) {}

  private get maxInFlight(): number {
    return this.options.maxInFlight ?? 50_000;
  }

  get waiting(): number {
    return [...this.partitions.values()].reduce((sum, partition) => sum + partition.waiting.length, 0);
  }

  flowControl(): void {
    if (this.pausedByUser || this.stopping || this.inHand >= this.maxInFlight) this.live?.pause();
    else this.live?.resume();
  }

  /** The group (re)assigned partitions. */
  rebalance(): void {
    this.generation++;
    // What was received under the old assignment is stale: the stream restarts from the committed offsets.
    for (const partition of this.partitions.values()) {
      this.inHand -= partition.waiting.length;
      partition.waiting = [];
    }
    this.options.onRebalance?.();
    this.flowControl();
  }

  /** One message from the stream: it waits for its partition's next batch. */
  receive(message: RawMessage): void {
    const key = `${message.topic}\u0000${message.partition}`;
    let partition = this.partitions.get(key);
    if (!partition) this.partitions.set(key, (partition = { waiting: [], busy: false }));
    partition.waiting.push(message);
    this.inHand++;
    if (this.inHand >= this.maxInFlight) this.live?.pause();
    if (this.touched.size === 0) setImmediate(this.drainTouched);
    this.touched.add(key);
  }

  // Everything received in one turn of the event loop (one fetch response) forms the first batch of a partition.
  private readonly drainTouched = (): void => {
    const keys = [...this.touched];
    this.touched.clear();
    for (const key of keys) this.drain(key);
  };

  /**
   * Hands a partition's waiting messages over as one batch once its previous batch is done. NOTE: a handler that
   * is slower than the fetches (a ClickHouse insert per batch) gets everything that arrived meanwhile in its next
   * batch, so batches grow with the backlog instead of staying the size of each fetch (one message per fetch
   * when events trickle in, which capped a partition at one message per insert).
   */
  private drain(key: string): void {
    const partition = this.partitions.get(key);
    if (!partition || partition.busy || partition.waiting.length === 0) return;
    const slice = partition.waiting.splice(0, this.options.maxBatch ?? 50_000);
    const last = slice[slice.length - 1] as RawMessage;
    const born = this.generation;
    const batch: MessageBatch = {
      topic: last.topic,
      partition: last.partition,
      messages: slice,
      // A batch of an earlier generation commits nothing: its partition may have moved on under another member.
      commit: () => {
        if (born === this.generation) this.commit(last);
      },
    };
    partition.busy = true;
    this.active++;
    void this.handle(batch, born).finally(() => {
      this.active--;
      this.inHand -= slice.length;
      partition.busy = false;
      this.flowControl();
      this.drain(key);
    });
  }

  /** Commits the offset after `last` (coalesced by the client; a commit refused after a rebalance is dropped). */
  private commit(last: RawMessage): void {
    void Promise.resolve(last.commit()).catch((error: Error) =>
      this.log.debug({ err: error.message }, 'offset_commit_skipped'),
    );
  }

  /** The handler on one batch, retried with backoff until it succeeds or the batch is no longer this member's. */
  private async handle(batch: MessageBatch, born: number): Promise<void> {
    const abandoned = (): boolean => this.stopping || born !== this.generation;
    if (abandoned()) return;
    // Only a stop or a rebalance ends the retries: the batch is then the next owner's, from the committed offset.
    await retry(() => this.options.onBatch(batch), {
      pause: exponentialBackoff(100, RETRY_MAX_MS),
      giveUp: abandoned,
      onRetry: (error, n) =>
        this.log.warn(
          { topic: batch.topic, partition: batch.partition, attempt: n - 1, err: (error as Error).message },
          'batch_retry',
        ),
    }).catch(() => undefined);
  }
}

/**
 * A consumer-group member that hands messages over in per-partition batches and commits only what its handler
 * says has landed. Built on the client's message stream (one per group generation, above): one fetch response
 * arrives in one turn of the event loop, so everything received before the next turn forms a partition's batch;
 * while a partition's batch is handled, what arrives for it waits and goes over as its next batch (one batch per
 * partition at a time).
 *
 * NOTE: at-least-once, never skipping. An offset is committed only after its batch was handled, and only by the
 * generation that received it; a handler that fails is retried with backoff on the same batch (later batches of
 * that partition wait, so order holds) until it succeeds, the group moves the partition (the new owner starts from
 * the committed offset) or the consumer stops. Handlers make their writes idempotent by event_id, which turns this
 * into exactly once in effect.
 */
export async function startBatchConsumer(options: BatchConsumerOptions): Promise<BatchConsumer> {
  const log = options.log.child({ groupId: options.groupId });
  const consumer = groupMember(options);
  const batches = new PartitionBatcher(options, log);
  const streams = new StreamPerGeneration(consumer, batches, options, log);
  consumer.on('consumer:group:join', () => streams.joined());
  await streams.open();

  let stopped: Promise<void> | undefined;
  const stopOnce = async (graceMs: number): Promise<void> => {
    batches.pausedByUser = true;
    batches.flowControl();
    const deadline = Date.now() + graceMs;
    while (batches.active > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    batches.stopping = true;
    await streams.close();
    await consumer.close(true).catch((error: Error) => log.warn({ err: error.message }, 'consumer_close_failed'));
  };

  return {
    get active() {
      return batches.active;
    },
    get waiting() {
      return batches.waiting;
    },
    pause: () => {
      batches.pausedByUser = true;
      batches.flowControl();
    },
    resume: () => {
      batches.pausedByUser = false;
      batches.flowControl();
    },
    stop: (graceMs = 5_000) => (stopped ??= stopOnce(graceMs)),
  };
}
