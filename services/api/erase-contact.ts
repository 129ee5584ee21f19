import { ident, join, sql, type Sql } from '../../lib/platform/clickhouse/sql';
import { KPI_VIEWS, rebuildKpiFromRaw } from '../../lib/domain/kpis/kpi-rebuild';
import { utcDay } from './insights/insights-filters';
import { waitForMutations, type ClickHouseCommands } from '../../lib/platform/clickhouse/clickhouse-mutations';

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
 * rebuilds them from the remaining raw rows with the views' own SELECTs (kpi-rebuild.ts). Events the aggregator
 * writes for those keys meanwhile are safe: their states merge with the rebuilt ones by event_id, so nothing is
 * counted twice.
 */
export async function eraseContact(
  ch: ClickHouseCommands,
  target: { workspaceId: string; contactId: string },
): Promise<{ rawEvents: number }> {
  const contact = sql`workspace_id = ${target.workspaceId} AND contact_id = ${target.contactId}`;
  const counted = await ch.rows<{ n: string }>(sql`SELECT count() AS n FROM events_raw WHERE ${contact}`);
  const touched = await touchedKeys(ch, contact);
  // contact_time_zones (0120) holds the contact's time zone for the engagement dashboard: personal data too.
  for (const table of ['events_raw', 'contact_events', 'contact_time_zones', 'engagement_events']) {
    // A mutation rewrites parts: skipped where there is nothing to delete (an erasure's second pass, mostly).
    const [found] = await ch.rows<{ n: string }>(sql`SELECT count() AS n FROM ${ident(table)} WHERE ${contact}`);
    if (Number(found?.n ?? 0) === 0) continue;
    await ch.exec(sql`ALTER TABLE ${ident(table)} DELETE WHERE ${contact}`);
    await waitForMutations(ch, ident(table));
  }
  if (touched.days.length === 0) return { rawEvents: 0 };
  const days = dayList(touched.days);
  if (touched.emails.length > 0) await rebuildKpis(ch, 'email_id', target.workspaceId, touched.emails, days);
  if (touched.journeys.length > 0) await rebuildKpis(ch, 'journey_id', target.workspaceId, touched.journeys, days);
  return { rawEvents: Number(counted[0]?.n ?? 0) };
}

async function rebuildKpis(
  ch: ClickHouseCommands,
  owner: 'email_id' | 'journey_id',
  workspaceId: string,
  owners: string[],
  days: Sql,
): Promise<void> {
  for (const kpi of KPI_VIEWS.filter((view) => view.owner === owner)) {
    const column = ident(owner);
    const rawWhere = sql`workspace_id = ${workspaceId} AND has(${owners}, ${column}) AND event_date IN (${days})`;
    const kpiWhere = sql`workspace_id = ${workspaceId} AND has(${owners}, ${column}) AND day IN (${days})`;
    await rebuildKpiFromRaw(ch, kpi, rawWhere, kpiWhere);
  }
}
