import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Pool } from 'pg';
import type { ApiDeps } from '../api-deps';
import { workspaceOf } from '../api-auth';
import { decodeKeyset, keysetPage } from '../pagination';
import { getRow, idParams } from '../resource-routes';
import type { QueryRunner } from '../insights/insights-filters';
import {
  formInsights,
  formOverTime,
  pageGeography,
  pageInsights,
  pageOverTime,
  type PageFormFilter,
} from '../insights/page-form-kpis';
import { pageVisits, submissionCursor, submissionRows } from '../insights/page-form-rows';
import type { PageVisit, SubmissionRow } from '../insights/page-form-types';
import { workspaceTimeZone } from './workspaces.routes';
import { dates, sendCsv } from './insights.routes';
import { anyList, tags } from './insights.schemas';
import {
  formKpisSchema,
  formQuery,
  formSubmissionsQuery,
  pageKpisSchema,
  pageQuery,
  pageSubmissionsQuery,
  visitsQuery,
  type PageFormQuery,
} from './page-form-insights.schemas';

type Kind = PageFormFilter['kind'];
/** The routes' schemas (page-form-insights.schemas.ts) validate these before a handler runs. */
interface PageFormRequest {
  Params: { id: string };
  Querystring: PageFormQuery;
}

/** The page's or form's filter: 404 unless the caller's workspace owns it; days in the workspace's time zone. */
async function filterOf(pool: Pool, workspaceId: string, kind: Kind, id: string, query: PageFormQuery) {
  await getRow(pool, kind === 'page' ? 'pages' : 'forms', kind, workspaceId, id);
  const timeZone = await workspaceTimeZone(pool, workspaceId);
  return { workspaceId, kind, id, journeyId: query.journey_id, timeZone, ...dates(query) } satisfies PageFormFilter;
}

/** Page and form insights over ClickHouse, with the visits and submissions behind them (docs/kpis.md#page-and-form-kpis). */
export async function pageFormInsightsRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { pool, clickhouse } = deps;
  const route = (
    kind: Kind,
    suffix: string,
    summary: string,
    querystring: object,
    response: object,
    run: (ch: QueryRunner, filter: PageFormFilter) => Promise<unknown>,
  ): void => {
    app.get<PageFormRequest>(
      `/v1/insights/${kind}s/:id${suffix}`,
      { schema: { tags, summary, params: idParams, querystring, response: { 200: response } } },
      async (req) => run(clickhouse, await filterOf(pool, workspaceOf(req), kind, req.params.id, req.query)),
    );
  };
  route(
    'page',
    '',
    'Page KPIs: visits, unique visitors, submissions, conversion rate; machine visits apart',
    pageQuery,
    pageKpisSchema,
    pageInsights,
  );
  route(
    'page',
    '/responses',
    "Visits, unique visitors and submissions per day in the workspace's time zone",
    pageQuery,
    anyList,
    async (ch, f) => ({ items: await pageOverTime(ch, f) }),
  );
  route(
    'page',
    '/geography',
    'Human visits and unique visitors by country of the client address',
    pageQuery,
    anyList,
    async (ch, f) => ({ items: await pageGeography(ch, f) }),
  );
  route(
    'form',
    '',
    'Form KPIs: submissions, contacts created and updated, leads created and updated',
    formQuery,
    formKpisSchema,
    formInsights,
  );
  route(
    'form',
    '/responses',
    "The form KPIs per day in the workspace's time zone",
    formQuery,
    anyList,
    async (ch, f) => ({ items: await formOverTime(ch, f) }),
  );
  listingRoutes(app, deps);
}

const VISIT_COLUMNS = [
  'event_id',
  'at',
  'contact_id',
  'visitor_id',
  'country',
  'journey_id',
  'message_id',
  'machine',
  'machine_reason',
];
const visitCells = (v: PageVisit): (string | number)[] => [
  v.eventId,
  v.at,
  v.contactId,
  v.visitorId,
  v.country ?? '',
  v.journeyId,
  v.messageId,
  v.machine ? 1 : 0,
  v.machineReason,
];

const SUBMISSION_COLUMNS = [
  'submission_id',
  'at',
  'form_id',
  'form_version',
  'page_id',
  'contact_id',
  'contact_outcome',
  'lead_outcome',
  'confirmation_pending',
  'journey_id',
  'message_id',
  'country',
];
const fieldText = (value: unknown): string =>
  value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);

/** Submissions as CSV: the fixed columns, then one column per field name found in this page of rows (sorted). */
function submissionTable(rows: SubmissionRow[]): (string | number)[][] {
  const names = [...new Set(rows.flatMap((row) => Object.keys(row.fields)))].sort();
  const cells = rows.map((r) => [
    ...[r.submissionId, r.at, r.formId, r.formVersion, r.pageId ?? '', r.contactId ?? '', r.contactOutcome],
    ...[r.leadOutcome, r.confirmationPending ? 1 : 0, r.journeyId, r.messageId, r.country ?? ''],
    ...names.map((name) => fieldText(r.fields[name])),
  ]);
  return [[...SUBMISSION_COLUMNS, ...names.map((name) => `field:${name}`)], ...cells];
}

async function visitsPage(deps: ApiDeps, workspaceId: string, id: string, query: PageFormQuery, maxLimit: number) {
  const filter = await filterOf(deps.pool, workspaceId, 'page', id, query);
  const limit = Math.min(maxLimit, query.limit ?? 50);
  const key = decodeKeyset(query.cursor, ['number', 'string']);
  const after = key ? { ms: Number(key[0]), eventId: String(key[1]) } : undefined;
  const rows = await pageVisits(deps.clickhouse, {
    ...filter,
    machine: query.machine ?? false,
    limit: limit + 1,
    after,
  });
  const page = keysetPage(rows, limit, (row) => [row.ms, row.eventId]);
  return { items: page.items.map(({ ms: _ms, ...visit }) => visit), next_cursor: page.next_cursor };
}

async function submissionsPage(
  deps: ApiDeps,
  workspaceId: string,
  kind: Kind,
  id: string,
  query: PageFormQuery,
  maxLimit: number,
) {
  const filter = await filterOf(deps.pool, workspaceId, kind, id, query);
  const limit = Math.min(maxLimit, query.limit ?? 50);
  const after = submissionCursor(decodeKeyset(query.cursor, ['string', 'string']));
  const rows = await submissionRows(deps.pool, { ...filter, limit: limit + 1, after });
  return keysetPage(rows, limit, (row) => [row.at, row.submissionId]);
}

function listingRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const get = app.get.bind(app);
  const schema = (summary: string, querystring: object) => ({ tags, summary, params: idParams, querystring });
  const csv = (reply: FastifyReply, page: { next_cursor: string | null }, rows: (string | number)[][]) =>
    sendCsv(reply, page.next_cursor, rows);
  get<PageFormRequest>(
    '/v1/insights/pages/:id/visits',
    { schema: schema('The page visits behind the numbers, newest first, keyset-paged', visitsQuery) },
    async (req) => visitsPage(deps, workspaceOf(req), req.params.id, req.query, 500),
  );
  get<PageFormRequest>(
    '/v1/insights/pages/:id/visits.csv',
    { schema: schema('The same visits as CSV (up to 10,000 rows a page; x-next-cursor header)', visitsQuery) },
    async (req, reply) => {
      const page = await visitsPage(deps, workspaceOf(req), req.params.id, req.query, 10_000);
      return csv(reply, page, [VISIT_COLUMNS, ...page.items.map((visit) => visitCells({ ...visit }))]);
    },
  );
  for (const kind of ['page', 'form'] as const) {
    const querystring = kind === 'page' ? pageSubmissionsQuery : formSubmissionsQuery;
    get<PageFormRequest>(
      `/v1/insights/${kind}s/:id/submissions`,
      { schema: schema(`The ${kind}'s accepted submissions with their content, newest first`, querystring) },
      async (req) => submissionsPage(deps, workspaceOf(req), kind, req.params.id, req.query, 500),
    );
    get<PageFormRequest>(
      `/v1/insights/${kind}s/:id/submissions.csv`,
      { schema: schema('The same submissions as CSV, one column per field (up to 10,000 rows a page)', querystring) },
      async (req, reply) => {
        const page = await submissionsPage(deps, workspaceOf(req), kind, req.params.id, req.query, 10_000);
        return csv(reply, page, submissionTable(page.items));
      },
    );
  }
}
