import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import { raw } from '../../lib/platform/clickhouse/sql';
import { toRawRow } from './event-row';
import { ChdbMigrationTarget } from '../../lib/platform/migrations/chdb-target';
import { readMigrations } from '../../lib/platform/migrations/migration-files';
import { migrate } from '../../lib/platform/migrations/migration-runner';
import { SQL_DIR } from '../../lib/platform/migrations/run-migrations';
import { emailEvent } from '../../test/aggregator/aggregator-harness';
import { createTestEnv, testLogger, type TestEnv } from '../../test/support/test-env';
import { insertSettingsFor } from './aggregator.app';
import { escapeTsv, INGEST_COLUMNS, tsvLine } from './ingest-tsv';
import { InsertBuffer } from './insert-buffer';

const NASTY = 'tab\there, newline\nthere, cr\r, backslash \\ and \\N, quotes \'" , é 😀';
const events = [
  emailEvent('click', { event_id: 'ev-1', url: `https://x.test/?q=${NASTY}`, link_id: '\\N', note: NASTY }),
  emailEvent('open', { event_id: 'ev-2', machine: true, machine_reason: NASTY }),
  emailEvent('bounce', { event_id: 'ev-3', bounce_class: 'soft', smtp_code: 451, enhanced_status: '4.2.0' }),
];
const lines = events.map((event, i) => tsvLine(toRawRow(event), 'topic\twith tab', 3, 1_000 + i));
const STRING_COLUMNS = [
  'event_id',
  'event_time',
  'url',
  'link_id',
  'machine_reason',
  'bounce_class',
  'enhanced_status',
  'detail',
] as const;
const SELECT = `SELECT ${STRING_COLUMNS.join(', ')}, toString(machine) AS machine, toString(smtp_code) AS smtp_code FROM events_raw ORDER BY event_id`;
const expected = events.map((event) => {
  const row = toRawRow(event);
  return {
    ...Object.fromEntries(STRING_COLUMNS.map((column) => [column, row[column]])),
    machine: String(row.machine),
    smtp_code: String(row.smtp_code),
  };
});

describe('TabSeparated ingest lines', () => {
  it('escapes exactly backslash, tab, newline and carriage return', () => {
    expect(escapeTsv('plain')).toBe('plain');
    expect(escapeTsv('a\tb\nc\\d\re')).toBe('a\\tb\\nc\\\\d\\re');
    expect(lines.every((line) => line.endsWith('\n') && line.split('\n').length === 2)).toBe(true);
    expect(lines[0]?.split('\t')).toHaveLength(INGEST_COLUMNS.length);
  });

  it('round-trips every value through the aggregator insert on ClickHouse 18.16', async () => {
    let env: TestEnv | undefined;
    try {
      env = await createTestEnv('cairn_tsv');
      const ch = env.clickhouse;
      const buffer = new InsertBuffer({
        ch,
        log: testLogger('insert-buffer'),
        maxRows: 1,
        maxInFlight: 1,
        lingerMs: 0,
        retryMaxMs: 100,
        insertSettings: await insertSettingsFor(ch),
        writtenBelow: async () => 0n,
        poisonAttempts: 3,
        deadLetter: async () => undefined,
      });
      await buffer.add({
        topic: 'topic\twith tab',
        partition: 3,
        offsets: [1_000, 1_001, 1_002],
        tsv: Buffer.from(lines.join('')),
      });
      await buffer.close();
      expect(await ch.rows(raw.trusted(SELECT))).toEqual(expected);
      const ledger = await ch.rows<{ t: string; o: string }>(
        raw.trusted(
          'SELECT kafka_topic AS t, toString(maxMerge(max_offset)) AS o FROM kafka_offsets GROUP BY kafka_topic',
        ),
      );
      expect(ledger).toEqual([{ t: 'topic\twith tab', o: '1002' }]);
    } finally {
      await env?.cleanup();
    }
  });

  it('parses the same lines the same way on current ClickHouse (chdb)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-chdb-tsv-'));
    const session = new Session(dir);
    try {
      await migrate(new ChdbMigrationTarget(session, 'cairn_tsv'), readMigrations(join(SQL_DIR, 'clickhouse')));
      const settings = Object.entries({ input_format_parallel_parsing: 0 })
        .map(([key, value]) => `${key} = ${value}`)
        .join(', ');
      session.query(
        `INSERT INTO cairn_tsv.events_ingest (${INGEST_COLUMNS.join(', ')}) SETTINGS ${settings} FORMAT TabSeparated\n${lines.join('')}`,
      );
      const text = String(session.query(`USE cairn_tsv; ${SELECT}`, 'JSONEachRow'));
      expect(
        text
          .split('\n')
          .filter((line) => line.trim())
          .map((line) => JSON.parse(line) as unknown),
      ).toEqual(expected);
    } finally {
      session.cleanup?.();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
