import { parentPort, workerData } from 'node:worker_threads';
import { createKafka } from '../../lib/kafka/kafka-client';
import { createLogger } from '../../lib/logger';
import { createKafkaProducer, InThreadProducer } from './kafka-producer';
import type { FromWorker, ToWorker, WorkerSettings } from './kafka-worker-producer';

/**
 * Worker-thread side of WorkerProducer: kafkajs (record encoding, CRCs, batching) runs here, off the thread
 * that answers the pixel and the redirect.
 */
const settings = workerData as WorkerSettings;
const port = parentPort;
if (!port) throw new Error('kafka-producer.worker must run in a worker thread');

const log = createLogger({ service: 'ingest', level: settings.logLevel }).child({ thread: 'kafka-worker' });
const stats = { sizes: [] as number[], seconds: [] as number[] };
// The HTTP thread already lingered (WorkerProducer's outbox): what arrives in one message goes out as one batch.
const batching = { lingerMs: 0, maxBatch: settings.maxBatch };
const producer = new InThreadProducer(createKafkaProducer(createKafka({ clientId: 'cairn-ingest', brokers: settings.brokers, log })), batching, {
  batchSent(size, seconds) {
    stats.sizes.push(size);
    stats.seconds.push(seconds);
  },
});

const post = (message: FromWorker): void => port.postMessage(message);

let acked: number[] = [];
let failed: { ids: number[]; error: string } | undefined;
let reporting = false;
/** Acks and failures of one loop turn go back in one message. */
function report(): void {
  if (reporting) return;
  reporting = true;
  setImmediate(() => {
    reporting = false;
    // Batch timings go first: an ack can let the other side stop this worker before it reads later messages.
    if (stats.sizes.length > 0) post({ kind: 'batches', sizes: stats.sizes.splice(0), seconds: stats.seconds.splice(0) });
    if (acked.length > 0) post({ kind: 'acked', ids: acked });
    if (failed) post({ kind: 'failed', ...failed });
    acked = [];
    failed = undefined;
  });
}

async function call(seq: number, work: () => Promise<void>): Promise<void> {
  try {
    await work();
    // After the acks of the sends this call waited for, which report() posts on the next turn.
    await new Promise((resolve) => setImmediate(resolve));
    post({ kind: 'done', seq });
  } catch (error) {
    post({ kind: 'done', seq, error: (error as Error).message });
  }
}

port.on('message', (message: ToWorker) => {
  if (message.kind === 'send') {
    for (const m of message.messages) {
      const value = Buffer.from(m.value.buffer, m.value.byteOffset, m.value.byteLength);
      producer.send({ topic: m.topic, key: m.key, value }).then(
        () => {
          acked.push(m.id);
          report();
        },
        (error: Error) => {
          failed ??= { ids: [], error: error.message };
          failed.ids.push(m.id);
          report();
        },
      );
    }
    return;
  }
  void call(message.seq, () => producer[message.kind]());
});
