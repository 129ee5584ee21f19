import { createPgPool } from '../../lib/platform/postgres/pg-pool';
import { createTestEnv } from '../support/test-env';
import { leftovers } from '../support/test-leftovers';
import { waitFor } from '../support/wait-for';

describe('createTestEnv().cleanup()', () => {
  it('drops the ClickHouse and PostgreSQL databases and deletes the Kafka topics it made', async () => {
    const env = await createTestEnv('cairn_cleanup');
    const mark = env.topicPrefix;
    const pool = createPgPool(env.postgresUrl, 1);
    await pool.query('SELECT 1');
    await pool.end();
    const made = await leftovers(env.clickhouseDatabase);
    expect([made.clickhouse, made.postgres.length]).toEqual([[env.clickhouseDatabase], 0]);
    expect((await leftovers(new URL(env.postgresUrl).pathname.slice(1))).postgres).toHaveLength(1);
    expect((await leftovers(mark)).kafka.sort()).toEqual(Object.values(env.topics).sort());

    await env.cleanup();

    expect((await leftovers(env.clickhouseDatabase)).clickhouse).toEqual([]);
    expect((await leftovers(new URL(env.postgresUrl).pathname.slice(1))).postgres).toEqual([]);
    await waitFor(
      async () => (await leftovers(mark)).kafka,
      (topics) => topics.length === 0,
    );
  });
});
