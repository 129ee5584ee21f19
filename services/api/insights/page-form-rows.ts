import type { Pool } from 'pg';
import { sql } from '../../../lib/platform/clickhouse/sql';
import { ApiProblem } from '../api-problem';
import { num, utcDay, type QueryRunner } from './insights-filters';
import { pageFormWhere, type PageFormFilter } from './page-form-kpis';
import type { PageVisit, SubmissionRow } from './page-form-types';

/**
 * The rows behind the page and form numbers (docs/kpis.md#page-and-form-kpis): the page's visits (events_raw, one row
 * per event id however often it was replayed) and the accepted submissions with their content (PostgreSQL
 * form_submissions, the system of record). Both newest first, keyset-paged.
 */

interface VisitRow {
  event_id: string;
  ms: string;
  at: string;
  v_contact: string;
  v_visitor: string;
  v_country: string;
  v_journey: string;
  v_message: string;
  v_machine: number | string;
  v_machine_reason: string;
}

/** A page of the page's visits, human ones (or, with machine, machine traffic only), before the cursor. */
export async function pageVisits(
  ch: QueryRunner,
  filter: PageFormFilter & { machine: boolean; limit: number; after?: { ms: number; eventId: string } },
): Promise<(PageVisit & { ms: number })[]> {
  const after = filter.after
    ? sql`AND (event_time_ms < ${filter.after.ms} OR (event_time_ms = ${filter.after.ms} AND event_id < ${filter.after.eventId}))`
    : sql``;
  const rows = await ch.rows<VisitRow>(sql`
    SELECT event_id, event_time_ms AS ms, toString(any(event_time)) AS at, any(contact_id) AS v_contact,
           any(visitParamExtractString(detail, 'visitor_id')) AS v_visitor,
           any(visitParamExtractString(detail, 'country')) AS v_country, any(journey_id) AS v_journey,
           any(message_id) AS v_message, any(machine) AS v_machine, any(machine_reason) AS v_machine_reason
    FROM events_raw
    WHERE ${pageFormWhere(filter, ['page_visited'])} AND machine = ${filter.machine ? 1 : 0} ${after}
    -- v_ aliases: 18.16 substitutes an alias named like a column into WHERE (machine = 0 would read any(machine))
    GROUP BY event_id, event_time_ms ORDER BY event_time_ms DESC, event_id DESC LIMIT ${filter.limit}`);
  return rows.map((row) => ({
    eventId: row.event_id,
    ms: num(row.ms),
    at: row.at,
    contactId: row.v_contact,
    visitorId: row.v_visitor,
    country: row.v_country || null,
    journeyId: row.v_journey,
    messageId: row.v_message,
    machine: num(row.v_machine) === 1,
    machineReason: row.v_machine_reason,
  }));
}

interface SubmissionDbRow {
  id: string;
  at: string;
  form_id: string;
  form_version: number;
  page_id: string | null;
  contact_id: string | null;
  contact_outcome: string;
  lead_outcome: string;
  confirmation_pending: boolean;
  journey_id: string;
  message_id: string;
  country: string | null;
  fields: Record<string, unknown>;
}

const CURSOR_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The keyset of a submissions page: the last row's exact time (microseconds, as PostgreSQL keeps it) and id. */
export function submissionCursor(parts: (string | number)[] | undefined): { at: string; id: string } | undefined {
  if (!parts) return undefined;
  const [at, id] = parts.map(String);
  if (at === undefined || id === undefined || !CURSOR_AT.test(at) || !UUID.test(id))
    throw new ApiProblem(400, 'cursor is not valid', [
      { field: 'querystring.cursor', message: 'use next_cursor from the previous page' },
    ]);
  return { at, id };
}

/** A page of the accepted submissions of the form, or made on the page, with their content; newest first. */
export async function submissionRows(
  pool: Pool,
  filter: PageFormFilter & { limit: number; after?: { at: string; id: string } },
): Promise<SubmissionRow[]> {
  const params: unknown[] = [filter.workspaceId, filter.id];
  const where = [`workspace_id = $1`, `${filter.kind === 'page' ? 'page_id' : 'form_id'} = $2`];
  const param = (value: unknown): string => `$${params.push(value)}`;
  if (filter.journeyId !== undefined) where.push(`journey_id = ${param(filter.journeyId)}`);
  // local days of the workspace's time zone, as the ClickHouse counts
  const localDay = (): string => `(created_at AT TIME ZONE ${param(filter.timeZone ?? 'UTC')}::text)::date`;
  if (filter.from) where.push(`${localDay()} >= ${param(utcDay(filter.from))}::date`);
  if (filter.to) where.push(`${localDay()} <= ${param(utcDay(filter.to))}::date`);
  if (filter.after)
    where.push(`(created_at, id) < (${param(filter.after.at)}::timestamptz, ${param(filter.after.id)}::uuid)`);
  const { rows } = await pool.query<SubmissionDbRow>(
    `SELECT id, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, form_id, form_version,
            page_id, contact_id, contact_outcome, lead_outcome, confirmation_pending, journey_id, message_id, country,
            fields
       FROM form_submissions WHERE ${where.join(' AND ')}
      ORDER BY created_at DESC, id DESC LIMIT ${param(filter.limit)}`,
    params,
  );
  return rows.map((row) => ({
    submissionId: row.id,
    at: row.at,
    formId: row.form_id,
    formVersion: row.form_version,
    pageId: row.page_id,
    contactId: row.contact_id,
    contactOutcome: row.contact_outcome,
    leadOutcome: row.lead_outcome,
    confirmationPending: row.confirmation_pending,
    journeyId: row.journey_id,
    messageId: row.message_id,
    country: row.country,
    fields: row.fields,
  }));
}
