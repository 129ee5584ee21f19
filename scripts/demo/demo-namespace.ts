import type { connectionSchema, ConfigOf } from '../../lib/platform/config';
import { createKafka, deleteTopics } from '../../lib/platform/kafka/kafka-client';
import { topicsFor } from '../../lib/platform/kafka/topics';
import { createLogger } from '../../lib/platform/logger';
import { createRedis } from '../../lib/platform/redis/redis-connection';
import { leftovers } from '../../test/support/test-leftovers';
import { dropPgDatabase } from '../../test/support/test-env';

type Connection = ConfigOf<typeof connectionSchema>;

/** Every name a demo run owns on the shared stack starts with this; nothing else on the machine does. */
export const DEMO_MARK = 'cairn_demo_';
/**
 * The demo's ClickHouse database, kept from run to run (each run is its own workspace in it): dropping a
 * database of Cairn's ~40 tables takes ClickHouse 18.16 about 45 s, longer than a whole default run's sending.
 */
export const DEMO_CLICKHOUSE_DATABASE = 'cairn_demo';

/**
 * One run's own corner of the shared stack: a PostgreSQL database, Kafka topic prefix, BullMQ queue prefix and
 * consumer groups named `cairn_demo_<run>`, and the `cairn_demo` ClickHouse database, so the demo never meets a
 * test's data (tests name theirs with their run mark) nor the default `cairn` names an operator would use.
 */
export interface DemoNamespace {
  name: string;
  postgresUrl: string;
  clickhouseDatabase: string;
  topicPrefix: string;
  queuePrefix: string;
  /** CAIRN_* settings every service of the run gets */
  env: Record<string, string>;
}

function runPostgresUrl(connection: Connection, database: string): string {
  const url = new URL(connection.postgresUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export function demoNamespace(connection: Connection): DemoNamespace {
  const name = `${DEMO_MARK}${Date.now().toString(36)}`;
  const postgresUrl = runPostgresUrl(connection, name);
  return {
    name,
    postgresUrl,
    clickhouseDatabase: DEMO_CLICKHOUSE_DATABASE,
    topicPrefix: name,
    queuePrefix: name,
    env: {
      CAIRN_POSTGRES_URL: postgresUrl,
      CAIRN_CLICKHOUSE_DATABASE: DEMO_CLICKHOUSE_DATABASE,
      CAIRN_TOPIC_PREFIX: name,
      CAIRN_QUEUE_PREFIX: name,
      CAIRN_AGGREGATOR_GROUP_ID: `${name}-aggregator`,
      CAIRN_SCHEDULER_GROUP_ID: `${name}-scheduler`,
      CAIRN_SENDER_GROUP_ID: `${name}-sender`,
      CAIRN_ENGAGEMENT_GROUP_ID: `${name}-engagement`,
    },
  };
}

async function deleteRedisKeys(redisUrl: string, pattern: string): Promise<number> {
  const redis = createRedis(redisUrl);
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
  return deleted;
}

/**
 * Drops what earlier demo runs left (a `--keep` run's data stays until the next run): their PostgreSQL
 * databases, topics and queues. Only names carrying DEMO_MARK are touched.
 */
export async function dropEarlierRuns(connection: Connection): Promise<string[]> {
  const left = await leftovers(DEMO_MARK);
  const kafka = createKafka({
    clientId: 'cairn-demo',
    brokers: [...connection.kafkaBrokers],
    log: createLogger({ service: 'demo', level: 'warn' }),
  });
  for (const database of left.postgres) await dropPgDatabase(runPostgresUrl(connection, database));
  await deleteTopics(kafka, left.kafka);
  const keys = await deleteRedisKeys(connection.redisUrl, `${DEMO_MARK}*`);
  return [
    ...left.postgres,
    ...(left.kafka.length > 0 ? [`${left.kafka.length} topics`] : []),
    ...(keys > 0 ? [`${keys} queue keys`] : []),
  ];
}

/** Drops one run's own PostgreSQL database, topics and queues (the ClickHouse database stays). */
export async function dropRun(connection: Connection, namespace: DemoNamespace): Promise<void> {
  const kafka = createKafka({
    clientId: 'cairn-demo',
    brokers: [...connection.kafkaBrokers],
    log: createLogger({ service: 'demo', level: 'warn' }),
  });
  await dropPgDatabase(namespace.postgresUrl);
  await deleteTopics(kafka, Object.values(topicsFor(namespace.topicPrefix)));
  await deleteRedisKeys(connection.redisUrl, `${namespace.queuePrefix}:*`);
}
