// bench: Kafka -> ClickHouse rows/s through the aggregator vs the same rows inserted straight into ClickHouse
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClickHouse } from '../lib/platform/clickhouse/clickhouse-client';
import { ident, raw, sql } from '../lib/platform/clickhouse/sql';
import { toRawRow } from '../services/aggregator/event-row';
import { migrateAll } from '../lib/platform/migrations/run-migrations';
import { insertSettingsFor } from '../services/aggregator/aggregator.app';
import { INGEST_COLUMNS, tsvLine } from '../services/aggregator/ingest-tsv';
import { produce } from '../test/aggregator/aggregator-harness';
import { AggregatorProcess, mixedEvents } from '../test/aggregator/fault-harness';
import { createTestEnv, uniqueName } from '../test/support/test-env';
import { Readable } from 'node:stream';
import { isQuick, progress, report } from './bench-support';

const ROWS = isQuick ? 100_000 : 500_000;
const BATCH = 50_000;

/**
 * The baseline: the very rows the aggregator writes, in the same format (TabSeparated lines, serialised before the
 * clock starts, as the best a direct client could do), inserted directly in the aggregator's batch size.
 */
async function directInsertRate(
  settings: Awaited<ReturnType<typeof createTestEnv>>['settings'],
  lines: string[],
): Promise<number> {
  const database = uniqueName('cairn_bench_direct');
  await migrateAll({ ...settings, clickhouseDatabase: database });
  const ch = new ClickHouse({ url: settings.clickhouseUrl, database });
  try {
    const clickhouse_settings = await insertSettingsFor(ch);
    const started = performance.now();
    let next = 0;
    // As many inserts in flight as the aggregator's default (CAIRN_AGGREGATOR_INSERTS_IN_FLIGHT = 2).
    const inserter = async (): Promise<void> => {
      for (let i = next; i < lines.length; i = next) {
        next += BATCH;
        const values = Readable.from([lines.slice(i, i + BATCH).join('')], { objectMode: false });
        await ch.client.insert({
          table: 'events_ingest',
          values,
          format: 'TabSeparated',
          columns: [...INGEST_COLUMNS],
          clickhouse_settings,
        });
      }
    };
    await Promise.all([inserter(), inserter()]);
    return lines.length / ((performance.now() - started) / 1000);
  } finally {
    await ch.exec(sql`DROP DATABASE IF EXISTS ${ident(database)}`);
    await ch.close();
  }
}

/**
 * Aggregator rate from the moment it joined its consumer group (its own log line) to the moment the last row is
 * visible: process start-up and the group join are not counted, the first fetch is.
 */
async function aggregatorRate(env: Awaited<ReturnType<typeof createTestEnv>>): Promise<number> {
  const logFile = join(mkdtempSync(join(tmpdir(), 'cairn-bench-agg-')), 'aggregator.log');
  const aggregator = new AggregatorProcess(
    {
      CAIRN_TOPIC_PREFIX: env.topicPrefix,
      CAIRN_CLICKHOUSE_DATABASE: env.clickhouseDatabase,
      CAIRN_AGGREGATOR_GROUP_ID: uniqueName('agg'),
      CAIRN_LOG_LEVEL: 'debug',
    },
    logFile,
  );
  aggregator.start();
  try {
    // count() alone is answered from part metadata: polling must not take ClickHouse's CPU from the inserts
    // (uniqExact over the raw table every 20 ms did, and slowed the aggregator by about a third).
    const visible = async (): Promise<number> =>
      Number((await env.clickhouse.rows<{ n: string }>(raw.trusted('SELECT count() AS n FROM events_raw')))[0]?.n ?? 0);
    while ((await visible()) < ROWS) await new Promise((resolve) => setTimeout(resolve, 20));
    const doneAt = Date.now();
    const joined = readFileSync(logFile, 'utf8')
      .split('\n')
      .find((line) => line.includes('"group_joined"'));
    const joinedAt = Date.parse((JSON.parse(joined ?? '{}') as { time?: string }).time ?? '');
    if (!Number.isFinite(joinedAt)) throw new Error(`no group_joined line in ${logFile}`);
    return ROWS / ((doneAt - joinedAt) / 1000);
  } finally {
    await aggregator.stop();
  }
}

async function main(): Promise<void> {
  const env = await createTestEnv('cairn_bench_agg');
  try {
    const events = mixedEvents(uniqueName('ws'), ROWS, 11);
    progress(`producing ${ROWS} events to Kafka`);
    for (let i = 0; i < ROWS; i += 20_000) await produce(env.kafka, env.topics, events.slice(i, i + 20_000));
    const lines = events.map((event, i) => tsvLine(toRawRow(event), 'bench', 0, i));
    progress('baseline: direct inserts');
    const baseline = await directInsertRate(env.settings, lines);
    progress(`baseline ${Math.round(baseline)} rows/s; aggregator draining the topics`);
    const value = await aggregatorRate(env);
    report({
      bench: 'aggregator',
      value,
      unit: 'rows/s',
      baseline:
        'the same rows inserted straight into ClickHouse events_ingest, TabSeparated, 50k per insert, 2 inserts in flight',
      baseline_value: baseline,
      rows: ROWS,
    });
  } finally {
    await env.cleanup();
  }
}

void main();
