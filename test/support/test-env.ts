import { randomBytes, randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { ClickHouse, serverClient } from '../../lib/platform/clickhouse/clickhouse-client';
import { ident, sql } from '../../lib/platform/clickhouse/sql';
import { connectionSchema, loadConfig } from '../../lib/platform/config';
import {
  createKafka,
  deleteTopics as deleteKafkaTopics,
  ensureTopics,
  type KafkaCluster,
} from '../../lib/platform/kafka/kafka-client';
import { topicsFor, type Topics } from '../../lib/platform/kafka/topics';
import { createLogger, type Logger } from '../../lib/platform/logger';
import { migrateAll } from '../../lib/platform/migrations/run-migrations';
import { provisionDatabaseUsers, type ClickHouseLogins, type DatabaseUsers } from './clickhouse-users';

/** The mark of this jest run (test/global-setup.ts), in every name below: global-teardown.ts looks for it. */
export const testRunMark = (): string => process.env.CAIRN_TEST_RUN ?? '';

/** Isolation by naming, not truncation: every test run gets its own databases, topic prefix and ids. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${testRunMark()}${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** Drops a PostgreSQL database, disconnecting whatever still uses it (from the server's maintenance database). */
export async function dropPgDatabase(connectionString: string): Promise<void> {
  const url = new URL(connectionString);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) throw new Error(`unsupported database name ${name}`);
  url.pathname = '/postgres';
  const pool = new Pool({ connectionString: url.toString(), max: 1 });
  try {
    await pool.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await pool.end();
  }
}

/** Deletes a test's Kafka topics (Kafka deletes them in the background; names are never reused). */
export async function deleteTopics(kafka: KafkaCluster, topics: Topics): Promise<void> {
  await deleteKafkaTopics(kafka, Object.values(topics));
}

export const newId = (): string => randomUUID();

export const baseConfig = loadConfig(connectionSchema);

export const testLogger = (service = 'test'): Logger =>
  createLogger({ service, level: process.env.CAIRN_TEST_LOG ?? 'silent' });

export interface TestEnv {
  clickhouseDatabase: string;
  postgresUrl: string;
  topicPrefix: string;
  topics: Topics;
  clickhouse: ClickHouse;
  kafka: KafkaCluster;
  /** settings in the shape services' configs use */
  settings: typeof baseConfig;
  /** Cairn's per-process ClickHouse users, allowed only this env's database (made on first call, gone at cleanup) */
  clickhouseLogins(): Promise<ClickHouseLogins>;
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
  const kafka = createKafka({
    clientId: 'cairn-test',
    brokers: [...baseConfig.kafkaBrokers],
    log: testLogger('kafka'),
  });
  await ensureTopics(kafka, topics);
  const clickhouse = new ClickHouse({ url: baseConfig.clickhouseUrl, database: clickhouseDatabase });
  let users: Promise<DatabaseUsers> | undefined;
  return {
    clickhouseDatabase,
    postgresUrl: settings.postgresUrl,
    topicPrefix,
    topics,
    clickhouse,
    kafka,
    settings,
    async clickhouseLogins() {
      users ??= provisionDatabaseUsers(clickhouseDatabase, baseConfig.clickhouseUrl);
      return (await users).logins;
    },
    /** Drops everything the env made: its ClickHouse users, the ClickHouse and PostgreSQL databases and the Kafka topics. */
    async cleanup() {
      await clickhouse.close();
      if (users) (await users.catch(() => undefined))?.remove();
      const server = serverClient({ url: baseConfig.clickhouseUrl, database: 'default' });
      const steps = [
        server.exec(sql`DROP DATABASE IF EXISTS ${ident(clickhouseDatabase)}`).finally(() => server.close()),
        dropPgDatabase(settings.postgresUrl),
        deleteTopics(kafka, topics),
      ];
      const failed = (await Promise.allSettled(steps)).flatMap((step) =>
        step.status === 'rejected' ? [step.reason as Error] : [],
      );
      if (failed.length > 0)
        throw new Error(`test env cleanup failed: ${failed.map((error) => error.message).join('; ')}`);
    },
  };
}
