import { committedOffsetTotal } from '../../lib/platform/kafka/kafka-client';
import { join } from 'node:path';
import { ClickHouse } from '../../lib/platform/clickhouse/clickhouse-client';
import { ClickHouseMigrationTarget } from '../../lib/platform/migrations/clickhouse-target';
import { readMigrations } from '../../lib/platform/migrations/migration-files';
import { migrate } from '../../lib/platform/migrations/migration-runner';
import { SQL_DIR } from '../../lib/platform/migrations/run-migrations';
import { loadAggregatorConfig } from '../../services/aggregator/aggregator.config';
import { buildAggregator } from '../../services/aggregator/aggregator.app';
import { privateClickHouse } from '../support/private-stack';
import { createTestEnv, testLogger, uniqueName, type TestEnv } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { produce, rawCounts } from './aggregator-harness';
import { kpiMismatches, mixedEvents } from './fault-harness';

const OUTAGE_MS = 30_000;

/**
 * ClickHouse stopped for 30 s mid-stream (a PRIVATE server, slot 1: the shared one serves other people's
 * tests): the aggregator keeps retrying, commits no offset meanwhile, then drains its lag exactly once.
 */
describe('aggregator while ClickHouse is down', () => {
  const server = privateClickHouse(1);
  const database = uniqueName('cairn_outage');
  const groupId = uniqueName('agg');
  let env: TestEnv;
  let ch: ClickHouse;
  let aggregator: ReturnType<typeof buildAggregator>;

  beforeAll(async () => {
    env = await createTestEnv('cairn_agg_outage');
    await server.start();
    await migrate(
      new ClickHouseMigrationTarget({ url: server.address, database }),
      readMigrations(join(SQL_DIR, 'clickhouse')),
    );
    ch = new ClickHouse({ url: server.address, database });
    const config = loadAggregatorConfig({
      CAIRN_TOPIC_PREFIX: env.topicPrefix,
      CAIRN_CLICKHOUSE_URL: server.address,
      CAIRN_CLICKHOUSE_DATABASE: database,
      CAIRN_AGGREGATOR_GROUP_ID: groupId,
      CAIRN_AGGREGATOR_SESSION_TIMEOUT_MS: '6000',
      CAIRN_AGGREGATOR_RETRY_MAX_MS: '1000',
    });
    aggregator = buildAggregator(config, testLogger('aggregator'));
    await aggregator.start();
  }, 240_000);

  afterAll(async () => {
    await aggregator?.stop();
    await ch?.close();
    await server.stop();
    await env?.cleanup();
  }, 120_000);

  const committed = (): Promise<number> =>
    committedOffsetTotal(env.kafka, groupId, [env.topics.emailEvents, env.topics.journeyEvents]);

  it('retries without committing, then drains every event exactly once', async () => {
    const events = mixedEvents(uniqueName('ws'), 20_000, 3);
    await produce(env.kafka, env.topics, events.slice(0, 10_000));
    await waitFor(
      () => rawCounts(ch),
      (c) => c.distinct >= 10_000,
      60_000,
    );

    await server.stop();
    await produce(env.kafka, env.topics, events.slice(10_000));
    // The outage itself is the scenario: hold ClickHouse down for 30 s while the aggregator retries.
    const atStop = await waitFor(committed, () => true);
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    expect(await committed()).toBe(atStop);
    expect(atStop).toBeLessThanOrEqual(10_000);

    await server.start();
    const counts = await waitFor(
      () => rawCounts(ch),
      (c) => c.distinct >= 20_000,
      90_000,
      250,
    );
    expect(counts).toEqual({ rows: 20_000, distinct: 20_000 });
    expect(await kpiMismatches(ch)).toEqual([]);
    await waitFor(committed, (offsets) => offsets === 20_000, 30_000);
  }, 300_000);
});
