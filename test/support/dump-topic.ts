// Child process for kafkajs-lean-records.test.ts: consumes a topic from the beginning until it holds argv[4]
// distinct records and prints them as one JSON line (Buffers as base64), with kafkajs's record decoder lean
// (argv[3] = 'lean') or original. A consumer may hand a batch over again (after a rebalance, say): each
// (partition, offset) is kept once.
import { Kafka, logLevel } from 'kafkajs';
import { leanKafkajsRecords, leanRecordCounts } from '../../lib/kafka/kafkajs-lean-records';

async function main(): Promise<void> {
  const [topic, mode, count, brokers] = process.argv.slice(2) as [string, string, string, string];
  const lean = mode === 'lean' ? leanKafkajsRecords() : false;
  const kafka = new Kafka({ clientId: 'dump-topic', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `dump-${mode}-${process.pid}-${Date.now()}`, maxBytesPerPartition: 4096 });
  const messages: unknown[] = [];
  const seen = new Set<string>();
  let done: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (done = resolve));
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) {
        const id = `${batch.partition}:${message.offset}`;
        if (seen.has(id)) continue;
        seen.add(id);
        // every field kafkajs hands over, including the batch context of the record
        const json = JSON.stringify({ partition: batch.partition, ...message }, (_key, value: unknown) =>
          value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer' ? { base64: Buffer.from((value as { data: number[] }).data).toString('base64') } : value,
        );
        messages.push(JSON.parse(json));
      }
      if (messages.length >= Number(count)) done();
    },
  });
  await all;
  await consumer.disconnect();
  process.stdout.write(JSON.stringify({ lean, counts: leanRecordCounts, messages }));
}

void main();
