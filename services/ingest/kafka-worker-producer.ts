import type { Worker } from 'node:worker_threads';
import type { OutgoingMessage } from '../../lib/platform/kafka/kafka-client';
import { spawnWorker } from '../../lib/platform/threads/spawn-worker';
import type { BatchObserver, BatchSettings, EventProducer, SendDone } from './kafka-producer';

export interface WorkerSettings extends BatchSettings {
  brokers: string[];
  logLevel: string;
}

/**
 * One linger's worth of messages as it crosses to the worker: keys and values packed into one buffer and the
 * layout in another, both transferred (moved, not copied). Structured-cloning an array of message objects, each
 * with its own Buffer (and with it the 8 KiB pool slab behind it), cost more than producing them.
 */
export interface PackedBatch {
  seq: number;
  topics: string[];
  /** per message: topic index, key start, key length, value start, value length */
  layout: Int32Array;
  data: Uint8Array;
}

export const LAYOUT_FIELDS = 5;

export type ToWorker = ({ kind: 'send' } & PackedBatch) | { kind: 'connect' | 'flush' | 'disconnect'; seq: number };

export type FromWorker =
  /** a batch acknowledged by Kafka (acks=all) or failed as a whole, with its produce time */
  { kind: 'sent'; seq: number; seconds: number; error?: string } | { kind: 'done'; seq: number; error?: string };

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

const INITIAL_BYTES = 64 * 1024;

/** Messages waiting on the HTTP thread for the linger to end: their bytes, layout and callbacks. */
class Outbox {
  readonly topics: string[] = [];
  readonly dones: SendDone[] = [];
  private layout: number[] = [];
  private data = Buffer.allocUnsafeSlow(INITIAL_BYTES);
  private at = 0;

  get size(): number {
    return this.dones.length;
  }

  add(message: OutgoingMessage, done: SendDone): void {
    // Ingest's events carry everything in their Avro value; a header here would be a programming error.
    if (message.headers) throw new Error('WorkerProducer sends no Kafka headers');
    let topic = this.topics.indexOf(message.topic);
    if (topic < 0) topic = this.topics.push(message.topic) - 1;
    const key = message.key ?? '';
    this.reserve(Buffer.byteLength(key) + message.value.length);
    const keyStart = this.at;
    this.at += this.data.write(key, keyStart);
    const valueStart = this.at;
    this.at += message.value.copy(this.data, valueStart);
    this.layout.push(topic, keyStart, valueStart - keyStart, valueStart, this.at - valueStart);
    this.dones.push(done);
  }

  private reserve(bytes: number): void {
    if (this.at + bytes <= this.data.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(this.data.length * 2, this.at + bytes));
    this.data.copy(grown, 0, 0, this.at);
    this.data = grown;
  }

  pack(seq: number): { batch: PackedBatch; transfer: ArrayBuffer[] } {
    const layout = Int32Array.from(this.layout);
    const data = new Uint8Array(this.data.buffer, 0, this.at);
    return {
      batch: { seq, topics: this.topics, layout, data },
      transfer: [layout.buffer, this.data.buffer as ArrayBuffer],
    };
  }
}

/**
 * Runs the Kafka producer in a worker thread so the HTTP thread only verifies, encodes and answers. The linger
 * happens here, on the HTTP thread: messages wait in the outbox for lingerMs (or until maxBatch of them) and
 * cross to the worker in one postMessage as one packed batch, which the worker sends to Kafka at once; its ack
 * comes back as one message per batch. Posting every event-loop turn instead woke the worker (and, with its acks,
 * this thread) thousands of times a second at a few thousand pixel hits/s, and a thread wake-up costs more CPU
 * on a small VM than producing the event. If the worker dies, every unacknowledged send fails, and the sink
 * spools those events.
 */
export class WorkerProducer implements EventProducer {
  private worker: Worker;
  /** Batches handed over and not yet acknowledged: their messages' callbacks, no promise per message. */
  private readonly waiting = new Map<number, SendDone[]>();
  private readonly calls = new Map<number, Waiter>();
  private outbox = new Outbox();
  private timer: NodeJS.Timeout | undefined;
  private nextSeq = 1;
  private closing = false;

  constructor(
    private readonly settings: WorkerSettings,
    private readonly observer: BatchObserver,
  ) {
    this.worker = this.spawn();
  }

  /**
   * A worker that dies (a client bug, out of memory) fails every unacknowledged send, which the sink spools,
   * and is replaced; the sink's replay loop connects the new one.
   */
  private spawn(): Worker {
    const options = { workerData: this.settings, resourceLimits: { maxYoungGenerationSizeMb: 64 } };
    const worker = spawnWorker(__filename, __dirname, 'kafka-producer', options);
    worker.on('message', (message: FromWorker) => this.onMessage(message));
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', () => {
      this.failAll(new Error('Kafka worker thread exited'));
      if (this.closing) return;
      this.worker = this.spawn();
      // The sink believes it is connected; the replacement connects itself (sends before that fail and spool).
      this.call('connect').catch(() => undefined);
    });
    return worker;
  }

  /** Simulates a crash of the worker thread (fault tests). */
  crashWorkerForTest(): Promise<number> {
    return this.worker.terminate();
  }

  private onMessage(message: FromWorker): void {
    if (message.kind === 'sent') {
      const dones = this.waiting.get(message.seq) ?? [];
      this.waiting.delete(message.seq);
      const error = message.error === undefined ? undefined : new Error(message.error);
      if (!error) this.observer.batchSent(dones.length, message.seconds);
      for (const done of dones) done(error);
      return;
    }
    const call = this.calls.get(message.seq);
    this.calls.delete(message.seq);
    if (message.error) call?.reject(new Error(message.error));
    else call?.resolve();
  }

  /** Fails every send not yet acknowledged, the ones still in the outbox too, and every pending call. */
  private failAll(error: Error): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const sends = [...this.waiting.values(), this.outbox.dones];
    const calls = [...this.calls.values()];
    this.waiting.clear();
    this.calls.clear();
    this.outbox = new Outbox();
    for (const dones of sends) for (const done of dones) done(error);
    for (const waiter of calls) waiter.reject(error);
  }

  private flushOutbox(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.outbox.size === 0) return;
    const seq = this.nextSeq++;
    const { batch, transfer } = this.outbox.pack(seq);
    this.waiting.set(seq, this.outbox.dones);
    this.outbox = new Outbox();
    this.worker.postMessage({ kind: 'send', ...batch } satisfies ToWorker, transfer);
  }

  send(message: OutgoingMessage): Promise<void> {
    return new Promise<void>((resolve, reject) =>
      this.enqueue(message, (error) => (error ? reject(error) : resolve())),
    );
  }

  enqueue(message: OutgoingMessage, done: SendDone): void {
    if (this.closing) return done(new Error('Kafka producer is closed'));
    this.outbox.add(message, done);
    if (this.outbox.size >= this.settings.maxBatch) this.flushOutbox();
    else this.timer ??= setTimeout(() => this.flushOutbox(), this.settings.lingerMs);
  }

  private call(kind: 'connect' | 'flush' | 'disconnect'): Promise<void> {
    this.flushOutbox();
    const seq = this.nextSeq++;
    const done = new Promise<void>((resolve, reject) => this.calls.set(seq, { resolve, reject }));
    this.worker.postMessage({ kind, seq } satisfies ToWorker);
    return done;
  }

  connect(): Promise<void> {
    return this.call('connect');
  }

  /** Resolves after every message handed over so far was acknowledged or failed (the worker answers in order). */
  flush(): Promise<void> {
    return this.call('flush');
  }

  async disconnect(): Promise<void> {
    try {
      await this.call('disconnect');
    } finally {
      this.closing = true;
      await this.worker.terminate();
    }
  }
}
