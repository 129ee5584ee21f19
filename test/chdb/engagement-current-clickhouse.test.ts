import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import {
  messageHistory,
  messageKpis,
  messagesByKpi,
  templateStats,
} from '../../services/api/engagement/engagement-queries';
import { toRawRow } from '../../services/aggregator/event-row';
import { ChdbMigrationTarget } from '../../lib/platform/migrations/chdb-target';
import { readMigrations } from '../../lib/platform/migrations/migration-files';
import { migrate } from '../../lib/platform/migrations/migration-runner';
import { SQL_DIR } from '../../lib/platform/migrations/run-migrations';
import { emailEvent } from '../aggregator/aggregator-harness';
import { chdbRunner } from '../support/chdb-runner';

const DB = 'cairn_engagement_current';

/** Migration 0110 and the engagement queries on current ClickHouse (chdb); 18.16 runs them in test/engagement. */
describe('engagement events on current ClickHouse', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-chdb-engagement-'));
  const session = new Session(dir);
  const runner = chdbRunner(session, DB);

  afterAll(() => {
    session.cleanup?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps one-to-one events (no journey) by message and answers history, KPIs and template rates', async () => {
    await migrate(new ChdbMigrationTarget(session, DB), readMigrations(join(SQL_DIR, 'clickhouse')));
    const one = {
      workspace_id: 'ws',
      email_id: 'tpl',
      email_version: 1,
      journey_id: null,
      tile_id: null,
      contact_id: 'c1',
      message_id: 'm1',
    };
    const t = Date.UTC(2026, 2, 4, 10);
    const opened = emailEvent('open', {
      ...one,
      event_id: 'e1',
      event_time: t + 1000,
      user_agent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148',
    });
    const events = [
      emailEvent('send', { ...one, event_id: 'e0', event_time: t }),
      opened,
      opened, // a replay: the same event again
      emailEvent('open', { ...one, event_id: 'e2', event_time: t + 2000, machine: true, machine_reason: 'head' }),
      emailEvent('click', { ...one, event_id: 'e3', event_time: t + 3000, link_kind: 'attachment' }),
      emailEvent('reply', { ...one, event_id: 'e4', event_time: t + 4000, source: 'webhook' }),
      emailEvent('send', { ...one, email_version: 2, message_id: 'm2', event_id: 'e5', event_time: t }),
      emailEvent('open', { ...one, journey_id: 'j1', event_id: 'e6', event_time: t }), // a journey's: not one-to-one
    ];
    const rows = events.map((event, i) => ({
      ...toRawRow(event),
      kafka_topic: 't',
      kafka_partition: 0,
      kafka_offset: i,
    }));
    session.query(
      `INSERT INTO ${DB}.events_ingest FORMAT JSONEachRow\n${rows.map((r) => JSON.stringify(r)).join('\n')}`,
    );

    const ref = { emailId: 'tpl', version: 1 };
    const kpis = (await messageKpis(runner, 'ws', [ref, { emailId: 'tpl', version: 2 }])).get('tpl/1');
    expect(kpis).toEqual({
      opens: 1,
      last_opened_at: '2026-03-04 10:00:01',
      attachment_views: 1,
      link_clicks: 0,
      replies: 1,
      machine_events: 1,
    });
    const history = await messageHistory(runner, 'ws', ref, 10);
    expect(history.map((h) => [h.type, h.machine, h.device?.type ?? null])).toEqual([
      ['reply', false, null],
      ['attachment_view', false, 'unknown'],
      ['open', true, 'unknown'],
      ['open', false, 'mobile'],
      ['sent', false, null],
    ]);
    expect((await messagesByKpi(runner, 'ws', 'opens', true, 0, 10)).map((m) => [m.version, m.opens])).toEqual([
      [1, 1],
      [2, 0],
    ]);
    expect(await templateStats(runner, 'ws', ['tpl'])).toEqual(new Map([['tpl', { sent: 2, opened: 1, replied: 1 }]]));
  });
});
