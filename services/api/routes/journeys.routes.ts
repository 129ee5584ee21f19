import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Pool, PoolClient } from 'pg';
import type { EgressPolicy } from '../../../lib/platform/egress/egress-policy';
import { checkJourney, settingsIssues } from '../journeys/journey-check';
import { contentSettingsIssues, loadContentCheckContext } from '../journeys/journey-content-check';
import { goalIssues } from '../../../lib/domain/journeys/journey-goal';
import { holdoutIssues } from '../../../lib/domain/journeys/holdout';
import { abEmailIds, abTestShapeIssues } from '../../../lib/domain/journeys/ab-test';
import type { JourneyGraph } from '../../../lib/domain/journeys/journey-graph';
import { assertWebhookScope } from '../journeys/journey-webhooks';
import { assertWebReferences, loadWebCheckContext } from '../journeys/journey-web-check';
import { inTransaction } from '../../../lib/platform/postgres/pg-pool';
import type { TypedApp } from '../api-deps';
import { workspaceOf } from '../api-auth';
import { ApiProblem } from '../api-problem';
import { childListRoute } from '../child-list';
import { assertReferences, getRow, idParams, resourceRoutes } from '../resource-routes';
import { iterationsRoute } from './journey-iterations.routes';
import { resumeRoute } from './journey-resume.routes';
import { transition, type JourneyRow } from '../journeys/journey-transition';
import { checkResponse, item, milestone, output, recurrenceBody, tags, writable } from './journeys.schemas';

const references = {
  references: {
    content_settings_id: 'content_settings',
    suppression_segment_id: 'segments',
    list_id: 'subscription_lists',
  },
};

const UUID = /^[0-9a-f-]{36}$/i;

/** The ids a config field of the graph's tiles names, where they are uuids (anything else is the check's to report). */
const uuidsOf = (graph: JourneyGraph, field: string): string[] =>
  graph.tiles
    .map((t) => t.config?.[field])
    .filter((id): id is string => typeof id === 'string' && /^[0-9a-f-]{36}$/i.test(id));

/** Loads what the pure check needs: the emails, forms, pages and owners the graph names and the workspace's segment ids. */
async function checkContext(db: Pool | PoolClient, workspaceId: string, journey: JourneyRow, egress: EgressPolicy) {
  const emails = await db.query<{ id: string; status: string }>(
    'SELECT id, status FROM emails WHERE workspace_id = $1 AND id = ANY($2::uuid[])',
    [workspaceId, [...uuidsOf(journey.graph, 'email_id'), ...abEmailIds(journey.graph).filter((id) => UUID.test(id))]],
  );
  const segments = await db.query<{ id: string }>('SELECT id FROM segments WHERE workspace_id = $1', [workspaceId]);
  const users = await db.query<{ id: string }>(
    'SELECT id::text FROM users WHERE workspace_id = $1 AND id = ANY($2::uuid[])',
    [workspaceId, uuidsOf(journey.graph, 'owner_id')],
  );
  return {
    ...(await loadWebCheckContext(db, workspaceId, journey.graph)),
    emailStatus: new Map(emails.rows.map((r) => [r.id, r.status])),
    segmentIds: new Set(segments.rows.map((r) => r.id)),
    userIds: new Set(users.rows.map((r) => r.id)),
    egress,
  };
}

async function runCheck(db: Pool | PoolClient, workspaceId: string, journey: JourneyRow, egress: EgressPolicy) {
  const issues = checkJourney(journey.graph, journey.settings, await checkContext(db, workspaceId, journey, egress));
  const content = await loadContentCheckContext(db, workspaceId, journey.graph);
  return [
    ...issues,
    ...contentSettingsIssues(journey.graph, journey.settings, content),
    ...goalIssues(journey.settings.goal, journey.graph, await goalContext(db, workspaceId, journey)),
    ...holdoutIssues(journey.settings),
  ];
}

/** The status of the form a form_submitted goal names, when it is one of the workspace's. */
async function goalContext(db: Pool | PoolClient, workspaceId: string, journey: JourneyRow) {
  const formId = journey.settings.goal?.form_id;
  if (typeof formId !== 'string' || !/^[0-9a-f-]{36}$/i.test(formId)) return {};
  const { rows } = await db.query<{ status: string }>('SELECT status FROM forms WHERE workspace_id = $1 AND id = $2', [
    workspaceId,
    formId,
  ]);
  return { goalFormStatus: rows[0]?.status };
}

/** Journeys: CRUD of drafts (resourceRoutes), the error check, go-live, stop, a raised recurrence, iterations, milestones. */
export async function journeyRoutes(
  untyped: FastifyInstance,
  { pool, egress }: { pool: Pool; egress: EgressPolicy },
): Promise<void> {
  const app = untyped.withTypeProvider<JsonSchemaToTsProvider>();
  resourceRoutes(untyped, pool, {
    path: '/v1/journeys',
    table: 'journeys',
    noun: 'journey',
    tag: 'journeys',
    writable,
    output,
    required: ['name'],
    operations: ['create', 'list', 'get', 'update'],
    touchUpdatedAt: true,
    beforeWrite: beforeJourneyWrite,
  });
  checkRoute(app, pool, egress);
  goLiveRoute(app, pool, egress);
  stopRoute(app, pool);
  resumeRoute(app, pool);
  recurrenceRoute(app, pool, egress);
  iterationsRoute(app, pool);
  childListRoute(untyped, pool, {
    url: '/v1/journeys/:id/milestones',
    tags,
    summary: 'State history of a journey',
    parent: { table: 'journeys', noun: 'journey' },
    item: milestone,
    select:
      'SELECT id::text, status, note, at FROM journey_milestones WHERE workspace_id = $1 AND journey_id = $2 AND id > $3::bigint ORDER BY id LIMIT $4',
    firstCursor: '0',
  });
}

/** Only a draft is edited; a new webhook destination needs admin; referenced settings, forms and pages must be the workspace's. */
async function beforeJourneyWrite(
  client: PoolClient,
  workspaceId: string,
  body: Record<string, unknown>,
  id: string | null,
  request: FastifyRequest,
): Promise<void> {
  let stored: JourneyRow | undefined;
  if (id !== null) {
    stored = await getRow<JourneyRow>(client, 'journeys', 'journey', workspaceId, id, true);
    if (stored.status !== 'draft')
      throw new ApiProblem(409, `a ${stored.status} journey cannot be edited; create a new journey`, [
        { field: 'status', message: stored.status },
      ]);
  }
  assertWebhookScope(request, body.graph, stored?.graph);
  await assertReferences(client, workspaceId, references, (body.settings ?? {}) as Record<string, unknown>);
  await assertWebReferences(client, workspaceId, body.graph);
  // an A/B test tile's config (docs/api.md#ab-test-tile): refused as soon as it is written
  const abIssues = abTestShapeIssues(body.graph);
  if (abIssues.length > 0) throw new ApiProblem(422, 'an A/B test tile is misconfigured', abIssues);
}

function checkRoute(app: TypedApp, pool: Pool, egress: EgressPolicy): void {
  app.post(
    '/v1/journeys/:id/check',
    {
      schema: {
        tags,
        summary: 'Run the journey error check',
        params: idParams,
        response: { 200: checkResponse },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      const journey = await getRow<JourneyRow>(pool, 'journeys', 'journey', workspaceId, req.params.id);
      const errors = await runCheck(pool, workspaceId, journey, egress);
      return { ok: errors.length === 0, errors };
    },
  );
}

// Going live sends mail: the send scope (issue 20 defect 17), like raising a recurrence below.
function goLiveRoute(app: TypedApp, pool: Pool, egress: EgressPolicy): void {
  app.post(
    '/v1/journeys/:id/go-live',
    {
      config: { scope: 'send' },
      schema: {
        tags,
        summary: 'Error check and publish: draft → live (scope send)',
        params: idParams,
        response: { 200: item },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      return transition(pool, workspaceId, req.params.id, 'draft', 'live', 'went live', async (client, journey) => {
        const errors = await runCheck(client, workspaceId, journey, egress);
        if (errors.length > 0)
          throw new ApiProblem(422, `the journey has ${errors.length} problem(s) to fix before it can go live`, errors);
      });
    },
  );
}

function stopRoute(app: TypedApp, pool: Pool): void {
  app.post(
    '/v1/journeys/:id/stop',
    {
      schema: {
        tags,
        summary: 'Stop a live or paused journey: live | paused → stopped (final)',
        params: idParams,
        response: { 200: item },
      },
    },
    async (req) => transition(pool, workspaceOf(req), req.params.id, ['live', 'paused'], 'stopped', 'stopped by API'),
  );
}

function recurrenceRoute(app: TypedApp, pool: Pool, egress: EgressPolicy): void {
  app.post(
    '/v1/journeys/:id/recurrence',
    {
      config: { scope: 'send' },
      schema: {
        tags,
        summary:
          'Raise the recurrence count of a live or completed recurring journey (a completed one goes live again; scope send)',
        params: idParams,
        body: recurrenceBody,
        response: { 200: item },
      },
    },
    async (req) => raiseRecurrence(pool, workspaceOf(req), req.params.id, req.body.count, egress),
  );
}

/** A live or completed recurring journey runs `count` times in all; a completed one goes live again. */
async function raiseRecurrence(pool: Pool, workspaceId: string, id: string, count: number, egress: EgressPolicy) {
  return inTransaction(pool, async (client) => {
    const journey = await getRow<JourneyRow>(client, 'journeys', 'journey', workspaceId, id, true);
    if (journey.status !== 'live' && journey.status !== 'completed')
      throw new ApiProblem(
        409,
        `the journey is ${journey.status}; only a live or completed journey's recurrence count can be raised`,
        [{ field: 'status', message: journey.status }],
      );
    const recurring = journey.settings.recurring;
    if (!recurring || count <= recurring.count)
      throw new ApiProblem(422, 'only the count of a recurring journey can be raised', [
        { field: 'count', message: `must be above ${recurring?.count ?? 'a recurrence'}` },
      ]);
    const settings = { ...journey.settings, recurring: { ...recurring, count } };
    const errors = settingsIssues(settings, await checkContext(client, workspaceId, journey, egress));
    if (errors.length > 0) throw new ApiProblem(422, 'the raised count does not fit the journey', errors);
    const { rows } = await client.query(
      `UPDATE journeys SET settings = $2, status = 'live', updated_at = now() WHERE id = $1 RETURNING *`,
      [journey.id, JSON.stringify(settings)],
    );
    await client.query(
      'INSERT INTO journey_milestones (journey_id, workspace_id, status, note) VALUES ($1, $2, $3, $4)',
      [journey.id, workspaceId, 'live', `recurrence count raised to ${count}`],
    );
    return rows[0];
  });
}
