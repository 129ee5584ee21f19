import { Pool } from 'pg';
import { serverClient } from '../../lib/platform/clickhouse/clickhouse-client';
import { sql } from '../../lib/platform/clickhouse/sql';
import { createKafka, listTopics } from '../../lib/platform/kafka/kafka-client';
import { baseConfig, testLogger } from './test-env';

/** Every PostgreSQL database, ClickHouse database and Kafka topic on the shared stack whose name contains `mark`. */
export async function leftovers(mark: string): Promise<{ postgres: string[]; clickhouse: string[]; kafka: string[] }> {
  const admin = new URL(baseConfig.postgresUrl);
  admin.pathname = '/postgres';
  const pool = new Pool({ connectionString: admin.toString(), max: 1 });
  const ch = serverClient({ url: baseConfig.clickhouseUrl, database: 'default' });
  const kafka = createKafka({
    clientId: 'cairn-test-leftovers',
    brokers: [...baseConfig.kafkaBrokers],
    log: testLogger('kafka'),
  });
  try {
    const { rows } = await pool.query<{ datname: string }>('SELECT datname FROM pg_database');
    const databases = await ch.rows<{ name: string }>(sql`SELECT name FROM system.databases`);
    const topics = await listTopics(kafka);
    const has = (name: string): boolean => name.includes(mark);
    return {
      postgres: rows.map((row) => row.datname).filter(has),
      clickhouse: databases.map((row) => row.name).filter(has),
      kafka: topics.filter(has),
    };
  } finally {
    await pool.end();
    await ch.close();
  }
}
