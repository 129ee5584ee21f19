import { ident, join, sql, type Sql } from '../clickhouse/sql';
import { utcDay } from '../insights/insights-filters';
import { waitForMutations, type ClickHouseCommands } from './clickhouse-mutations';

interface Touched {
  emails: string[];
  journeys: string[];
  days: string[];
}

async function touchedKeys(ch: ClickHouseCommands, where: Sql): Promise<Touched> {
  const rows = await ch.rows<{ emails: string[]; journeys: string[]; days: string[] }>(sql`
    SELECT groupUniqArrayIf(email_id, email_id != '') AS emails,
           groupUniqArrayIf(journey_id, event_type LIKE 'tile_%') AS journeys,
           groupUniqArray(toString(event_date)) AS days
    FROM events_raw WHERE ${where}`);
  return rows[0] ?? { emails: [], journeys: [], days: [] };
}

const dayList = (days: string[]): Sql => join(days.map((day) => sql`toDate(${utcDay(new Date(`${day}T00:00:00Z`))})`));

/**
 * NOTE: the KPI tables hold uniqExact states, which cannot subtract an event. Erasure therefore deletes the
 * contact's raw rows, then deletes the KPI rows of every (email or journey, day) the contact touched and
 * rebuilds them from the remaining raw rows with the same SELECT as the views in sql/clickhouse/0010. Events
 * the aggregator writes for those keys meanwhile are safe: their states merge with the rebuilt ones by
 * event_id, so nothing is counted twice. The rebuild SELECTs must stay in step with 0010's views.
 */
export async function eraseContact(ch: ClickHouseCommands, target: { workspaceId: string; contactId: string }): Promise<{ rawEvents: number }> {
  const contact = sql`workspace_id = ${target.workspaceId} AND contact_id = ${target.contactId}`;
  const counted = await ch.rows<{ n: string }>(sql`SELECT count() AS n FROM events_raw WHERE ${contact}`);
  const touched = await touchedKeys(ch, contact);
  for (const table of ['events_raw', 'contact_events']) {
    await ch.exec(sql`ALTER TABLE ${ident(table)} DELETE WHERE ${contact}`);
    await waitForMutations(ch, ident(table));
  }
  if (touched.days.length === 0) return { rawEvents: 0 };
  const days = dayList(touched.days);
  if (touched.emails.length > 0) await rebuildEmailKpis(ch, target.workspaceId, touched.emails, days);
  if (touched.journeys.length > 0) await rebuildTileKpis(ch, target.workspaceId, touched.journeys, days);
  return { rawEvents: Number(counted[0]?.n ?? 0) };
}

async function rebuildEmailKpis(ch: ClickHouseCommands, workspaceId: string, emails: string[], days: Sql): Promise<void> {
  await ch.exec(sql`ALTER TABLE kpi_email_daily DELETE
    WHERE workspace_id = ${workspaceId} AND has(${emails}, email_id) AND day IN (${days})`);
  await waitForMutations(ch, ident('kpi_email_daily'));
  await ch.exec(sql`INSERT INTO kpi_email_daily
    SELECT workspace_id, email_id, event_date AS day, journey_id, email_version,
           multiIf(event_type = 'bounce', multiIf(bounce_class IN ('hard', 'soft'), concat('bounce_', bounce_class), 'bounce_other'), event_type) AS metric,
           multiIf(event_type = 'click', link_id, event_type = 'blocked', reason, '') AS detail,
           machine, uniqExactState(event_id) AS events, uniqExactState(message_id) AS messages
    FROM events_raw
    WHERE workspace_id = ${workspaceId} AND has(${emails}, email_id) AND event_date IN (${days})
      AND event_type IN ('send', 'blocked', 'bounce', 'open', 'click', 'forward', 'unsubscribe', 'subscription_submitted', 'complaint', 'sending_failed', 'lead_generated')
    GROUP BY workspace_id, email_id, day, journey_id, email_version, metric, detail, machine`);
}

async function rebuildTileKpis(ch: ClickHouseCommands, workspaceId: string, journeys: string[], days: Sql): Promise<void> {
  await ch.exec(sql`ALTER TABLE kpi_tile_daily DELETE
    WHERE workspace_id = ${workspaceId} AND has(${journeys}, journey_id) AND day IN (${days})`);
  await waitForMutations(ch, ident('kpi_tile_daily'));
  await ch.exec(sql`INSERT INTO kpi_tile_daily
    SELECT workspace_id, journey_id, tile_id, event_date AS day, tile_type,
           replaceOne(event_type, 'tile_', '') AS metric,
           multiIf(event_type = 'tile_path_taken', path_id, event_type = 'tile_blocked', reason, '') AS detail,
           uniqExactState(event_id) AS events, uniqExactState(contact_id) AS contacts
    FROM events_raw
    WHERE workspace_id = ${workspaceId} AND has(${journeys}, journey_id) AND event_date IN (${days})
      AND event_type IN ('tile_inflow', 'tile_processed', 'tile_blocked', 'tile_failed', 'tile_path_taken')
    GROUP BY workspace_id, journey_id, tile_id, day, tile_type, metric, detail`);
}
