import { parentPort, workerData } from 'node:worker_threads';
import type { MessageToProduce } from '@platformatic/kafka';
import { createKafka } from '../../lib/platform/kafka/kafka-client';
import { createLogger } from '../../lib/platform/logger';
import { createKafkaProducer } from './kafka-producer';
import {
  LAYOUT_FIELDS,
  type FromWorker,
  type PackedBatch,
  type ToWorker,
  type WorkerSettings,
} from './kafka-worker-producer';

/**
 * Worker-thread side of WorkerProducer: the Kafka client (partitioning, record encoding, CRCs, the connection)
 * runs here, off the thread that answers the pixel and the redirect. The HTTP thread already lingered: each packed
 * batch that arrives goes to Kafka as one produce call, and its outcome goes back as one message.
 */
const settings = workerData as WorkerSettings;
const port = parentPort;
if (!port) throw new Error('kafka-producer.worker must run in a worker thread');

const log = createLogger({ service: 'ingest', level: settings.logLevel }).child({ thread: 'kafka-worker' });
const producer = createKafkaProducer(createKafka({ clientId: 'cairn-ingest', brokers: settings.brokers, log }));
const post = (message: FromWorker): void => port.postMessage(message);
/** Batches sent and not yet answered (a flush waits for them; each posts its outcome before it leaves the set). */
const pending = new Set<Promise<void>>();

/** Messages whose keys and values are views on the transferred bytes (nothing copied). */
function unpack({ topics, layout, data }: PackedBatch): MessageToProduce<Buffer, Buffer, string, string>[] {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const messages: MessageToProduce<Buffer, Buffer, string, string>[] = [];
  for (let i = 0; i < layout.length; i += LAYOUT_FIELDS) {
    const keyStart = layout[i + 1]!;
    const valueStart = layout[i + 3]!;
    messages.push({
      topic: topics[layout[i]!]!,
      key: bytes.subarray(keyStart, keyStart + layout[i + 2]!),
      value: bytes.subarray(valueStart, valueStart + layout[i + 4]!),
    });
  }
  return messages;
}

function send(batch: PackedBatch): void {
  const started = performance.now();
  const sent: Promise<void> = producer.send({ messages: unpack(batch) }).then(
    () => post({ kind: 'sent', seq: batch.seq, seconds: (performance.now() - started) / 1000 }),
    (error: Error) => post({ kind: 'sent', seq: batch.seq, seconds: 0, error: error.message }),
  );
  pending.add(sent);
  void sent.finally(() => pending.delete(sent));
}

async function call(seq: number, work: () => Promise<void>): Promise<void> {
  try {
    await work();
    post({ kind: 'done', seq });
  } catch (error) {
    post({ kind: 'done', seq, error: (error as Error).message });
  }
}

const flush = async (): Promise<void> => void (await Promise.all(pending));

port.on('message', (message: ToWorker) => {
  if (message.kind === 'send') return send(message);
  // The client connects on its first produce; a broker that is away fails that batch into the spool.
  if (message.kind === 'connect') return void call(message.seq, async () => undefined);
  if (message.kind === 'flush') return void call(message.seq, flush);
  return void call(message.seq, async () => {
    await flush();
    await producer.close();
  });
});
