import type { Pool } from 'pg';
import { BatchingProducer, consumerLag } from '../../lib/platform/kafka/kafka-client';
import { consumeAddressReports } from '../../services/sender/kafka-inputs.consumer';
import { testLogger, uniqueName, type TestEnv } from './test-env';
import { waitFor } from './wait-for';

export interface SuppressionWriter {
  /** Resolves once the writer has applied every address report produced so far (its group has no lag). */
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The sender's suppression writer alone (services/sender/suppression.repository.ts), for tests of what reports to it
 * (ingest's webhooks and batch events): suppression is applied when it consumes a report, not when ingest answers.
 */
export async function startSuppressionWriter(env: TestEnv, pool: Pool): Promise<SuppressionWriter> {
  const groupId = uniqueName('suppression');
  const producer = await BatchingProducer.connect(env.kafka);
  const common = {
    kafka: env.kafka,
    producer,
    deadLetterTopic: env.topics.deadLetter,
    log: testLogger('suppression-writer'),
  };
  const consumer = await consumeAddressReports(common, { groupId, topic: env.topics.addressReports, pool });
  return {
    caughtUp: async () =>
      void (await waitFor(
        () => consumerLag(env.kafka, groupId, env.topics.addressReports),
        (lag) => lag === 0,
      )),
    async stop() {
      await consumer.stop();
      await producer.disconnect();
    },
  };
}
