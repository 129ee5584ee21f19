import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { OutgoingMessage } from '../../lib/kafka/kafka-client';
import type { BatchObserver, BatchSettings, EventProducer, SendDone } from './kafka-producer';

export interface WorkerSettings extends BatchSettings {
  brokers: string[];
  logLevel: string;
}

interface WireMessage {
  id: number;
  topic: string;
  key: string;
  value: Uint8Array;
}

export type ToWorker = { kind: 'send'; messages: WireMessage[] } | { kind: 'connect' | 'flush' | 'disconnect'; seq: number };

export type FromWorker =
  | { kind: 'acked'; ids: number[] }
  | { kind: 'failed'; ids: number[]; error: string }
  | { kind: 'batches'; sizes: number[]; seconds: number[] }
  | { kind: 'done'; seq: number; error?: string };

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Runs the Kafka producer in a worker thread so the HTTP thread only verifies, encodes and answers. The linger
 * happens here, on the HTTP thread: messages wait in the outbox for lingerMs (or until maxBatch of them) and
 * cross to the worker in one postMessage, which sends them to Kafka as one batch at once; acks come back one
 * message per batch. Posting every event-loop turn instead woke the worker (and, with its acks, this thread)
 * thousands of times a second at a few thousand pixel hits/s, and a thread wake-up costs more CPU on a small
 * VM than producing the event. If the worker dies, every unacknowledged send rejects, and the sink spools
 * those events.
 */
export class WorkerProducer implements EventProducer {
  private worker: Worker;
  /** Sends handed over and not yet acknowledged: a callback each, no promise per message. */
  private readonly waiting = new Map<number, SendDone>();
  private readonly calls = new Map<number, Waiter>();
  private outbox: WireMessage[] = [];
  private timer: NodeJS.Timeout | undefined;
  private nextId = 1;
  private closing = false;

  constructor(
    private readonly settings: WorkerSettings,
    private readonly observer: BatchObserver,
  ) {
    this.worker = this.spawn();
  }

  /**
   * A worker that dies (a kafkajs bug, out of memory) fails every unacknowledged send, which the sink spools,
   * and is replaced; the sink's replay loop connects the new one.
   */
  private spawn(): Worker {
    const file = join(__dirname, 'kafka-producer.worker.ts');
    // The project runs TypeScript through tsx; the worker registers it before loading its entry. kafkajs
    // allocates a lot of short-lived objects per record: a larger young generation cuts the worker's GC time.
    const code = `require('tsx/cjs'); require(${JSON.stringify(file)});`;
    const worker = new Worker(code, { eval: true, workerData: this.settings, resourceLimits: { maxYoungGenerationSizeMb: 64 } });
    worker.on('message', (message: FromWorker) => this.onMessage(message, this.observer));
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', () => {
      this.outbox = [];
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

  private onMessage(message: FromWorker, observer: BatchObserver): void {
    if (message.kind === 'acked' || message.kind === 'failed') {
      const error = message.kind === 'failed' ? new Error(message.error) : undefined;
      for (const id of message.ids) {
        const done = this.waiting.get(id);
        this.waiting.delete(id);
        done?.(error);
      }
    } else if (message.kind === 'batches') {
      message.sizes.forEach((size, i) => observer.batchSent(size, message.seconds[i] ?? 0));
    } else {
      const call = this.calls.get(message.seq);
      this.calls.delete(message.seq);
      if (message.error) call?.reject(new Error(message.error));
      else call?.resolve();
    }
  }

  private failAll(error: Error): void {
    const sends = [...this.waiting.values()];
    const calls = [...this.calls.values()];
    this.waiting.clear();
    this.calls.clear();
    for (const done of sends) done(error);
    for (const waiter of calls) waiter.reject(error);
  }

  private flushOutbox(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.outbox.length === 0) return;
    const messages = this.outbox;
    this.outbox = [];
    this.worker.postMessage({ kind: 'send', messages } satisfies ToWorker);
  }

  send(message: OutgoingMessage): Promise<void> {
    return new Promise<void>((resolve, reject) => this.enqueue(message, (error) => (error ? reject(error) : resolve())));
  }

  enqueue(message: OutgoingMessage, done: SendDone): void {
    if (this.closing) return done(new Error('Kafka producer is closed'));
    const id = this.nextId++;
    this.waiting.set(id, done);
    this.outbox.push({ id, topic: message.topic, key: message.key, value: message.value });
    if (this.outbox.length >= this.settings.maxBatch) this.flushOutbox();
    else this.timer ??= setTimeout(() => this.flushOutbox(), this.settings.lingerMs);
  }

  private call(kind: 'connect' | 'flush' | 'disconnect'): Promise<void> {
    this.flushOutbox();
    const seq = this.nextId++;
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
