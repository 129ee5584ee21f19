import { randomBytes, randomUUID } from 'node:crypto';
import { ClickHouse, serverClient } from '../../lib/clickhouse/clickhouse-client';
import { ident, sql } from '../../lib/clickhouse/sql';
import { connectionSchema, loadConfig } from '../../lib/config';
import { createKafka, ensureTopics, type KafkaCluster } from '../../lib/kafka/kafka-client';
import { topicsFor, type Topics } from '../../lib/kafka/topics';
import { createLogger, type Logger } from '../../lib/logger';
import { migrateAll } from '../../lib/migrations/run-migrations';

/** Isolation by naming, not truncation: every test run gets its own databases, topic prefix and ids. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

export const newId = (): string => randomUUID();

export const baseConfig = loadConfig(connectionSchema);

export const testLogger = (service = 'test'): Logger => createLogger({ service, level: process.env.CAIRN_TEST_LOG ?? 'silent' });

export interface TestEnv {
  clickhouseDatabase: string;
  postgresUrl: string;
  topicPrefix: string;
  topics: Topics;
  clickhouse: ClickHouse;
  kafka: KafkaCluster;
  /** settings in the shape services' configs use */
  settings: typeof baseConfig;
  cleanup(): Promise<void>;
}

/** Fresh ClickHouse and PostgreSQL databases with every migration applied, plus fresh Kafka topics. */
export async function createTestEnv(name = 'cairn_test'): Promise<TestEnv> {
  const clickhouseDatabase = uniqueName(name);
  const pgUrl = new URL(baseConfig.postgresUrl);
  pgUrl.pathname = `/${uniqueName(name)}`;
  const topicPrefix = uniqueName('t');
  const settings = { ...baseConfig, clickhouseDatabase, postgresUrl: pgUrl.toString(), topicPrefix };
  await migrateAll(settings);
  const topics = topicsFor(topicPrefix);
  const kafka = createKafka({ clientId: 'cairn-test', brokers: [...baseConfig.kafkaBrokers], log: testLogger('kafka') });
  await ensureTopics(kafka, topics);
  const clickhouse = new ClickHouse({ url: baseConfig.clickhouseUrl, database: clickhouseDatabase });
  return {
    clickhouseDatabase,
    postgresUrl: settings.postgresUrl,
    topicPrefix,
    topics,
    clickhouse,
    kafka,
    settings,
    async cleanup() {
      await clickhouse.close();
      const server = serverClient({ url: baseConfig.clickhouseUrl, database: 'default' });
      await server.exec(sql`DROP DATABASE IF EXISTS ${ident(clickhouseDatabase)}`).catch(() => undefined);
      await server.close();
    },
  };
}
