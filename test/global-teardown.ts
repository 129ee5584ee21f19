import { leftovers } from './support/test-leftovers';

/**
 * The run fails if it left a PostgreSQL database, ClickHouse database or Kafka topic of its own on the shared stack:
 * every name a test environment makes carries this run's mark (test/global-setup.ts, uniqueName).
 */
export default async function globalTeardown(): Promise<void> {
  const mark = process.env.CAIRN_TEST_RUN;
  if (!mark) return;
  const left = await leftovers(`_${mark}`);
  const names = [
    ...left.postgres.map((n) => `postgres:${n}`),
    ...left.clickhouse.map((n) => `clickhouse:${n}`),
    ...left.kafka.map((n) => `kafka:${n}`),
  ];
  if (names.length > 0)
    throw new Error(`this test run left ${names.length} things behind on the shared stack: ${names.join(', ')}`);
}
