import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { egressPolicyOf, literalEgressRefusal, type EgressPolicy } from '../../../lib/platform/egress/egress-policy';
import { bestDeliveryTime, isKnownTimeZone } from '../../../lib/domain/engagement/best-time';
import type { ApiDeps, TypedApp } from '../api-deps';
import { workspaceOf } from '../api-auth';
import { ApiProblem, notFound } from '../api-problem';
import { followingEnabled, parseSendAt } from '../engagement-message.service';
import { idParams } from '../resource-routes';
import {
  bestTimeQuery,
  reminder,
  reminderBody,
  reminderEditBody,
  reminderQuery,
  settings,
  settingsBody,
} from './engagement-followups.schemas';
import { engagementAlertRoutes } from './engagement-alerts.routes';
import { tags } from './engagement.schemas';

const REMINDER_COLUMNS =
  'id::text, message_id::text, title, condition, remind_at, state, decided_at, created_at, updated_at';

/**
 * "If I do not receive a reply by" and "if the email is not opened by" need a followed message
 * (docs/engagement.md#follow-up-reminders).
 */
async function checkReminder(
  pool: Pool,
  workspaceId: string,
  messageId: string,
  condition: string,
  remindAt: string,
): Promise<Date> {
  const { rows } = await pool.query<{ followed: boolean; state: string }>(
    'SELECT followed, state FROM engagement_messages WHERE workspace_id = $1 AND id = $2',
    [workspaceId, messageId],
  );
  const message = rows[0];
  if (!message) throw notFound('message');
  if (condition !== 'anyway' && !message.followed)
    throw new ApiProblem(422, `"${condition}" needs a followed message; use "anyway"`, [
      { field: 'condition', message: 'only "anyway" on an unfollowed message' },
    ]);
  return parseSendAt(remindAt, Date.now(), 'remind_at');
}

/** Alerts (first open, reminders), follow-up reminders, workspace engagement settings and the best delivery time. */
export async function engagementFollowupRoutes(untyped: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { pool } = deps;
  const app = untyped.withTypeProvider<JsonSchemaToTsProvider>();
  setReminderRoute(app, pool);
  listRemindersRoute(app, pool);
  editReminderRoute(app, pool);
  removeReminderRoute(app, pool);
  engagementAlertRoutes(app, pool);
  bestTimeRoute(app, pool);
  readSettingsRoute(app, pool);
  editSettingsRoute(app, pool, egressPolicyOf(deps.config));
}

function setReminderRoute(app: TypedApp, pool: Pool): void {
  app.post(
    '/v1/engagement/messages/:id/reminders',
    {
      schema: {
        tags,
        summary: 'Set a follow-up reminder on a message',
        params: idParams,
        body: reminderBody,
        response: { 201: reminder },
      },
    },
    async (req, reply) => {
      const workspaceId = workspaceOf(req);
      const at = await checkReminder(pool, workspaceId, req.params.id, req.body.condition, req.body.remind_at);
      const { rows } = await pool.query(
        `INSERT INTO engagement_reminders (workspace_id, message_id, title, condition, remind_at) VALUES ($1, $2, $3, $4, $5) RETURNING ${REMINDER_COLUMNS}`,
        [workspaceId, req.params.id, req.body.title, req.body.condition, at],
      );
      return reply.code(201).send(rows[0]);
    },
  );
}

function listRemindersRoute(app: TypedApp, pool: Pool): void {
  app.get(
    '/v1/engagement/reminders',
    { schema: { tags, summary: 'Reminders (pending, fired, not needed, cancelled)', querystring: reminderQuery } },
    async (req) => {
      const { rows } = await pool.query(
        `SELECT ${REMINDER_COLUMNS} FROM engagement_reminders WHERE workspace_id = $1 AND ($2::uuid IS NULL OR message_id = $2) AND ($3::text IS NULL OR state = $3) ORDER BY remind_at LIMIT 500`,
        [workspaceOf(req), req.query.message_id ?? null, req.query.state ?? null],
      );
      return { items: rows };
    },
  );
}

function editReminderRoute(app: TypedApp, pool: Pool): void {
  app.patch(
    '/v1/engagement/reminders/:id',
    {
      schema: {
        tags,
        summary: 'Change a reminder until it fires',
        params: idParams,
        body: reminderEditBody,
        response: { 200: reminder },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      const {
        rows: [current],
      } = await pool.query(`SELECT ${REMINDER_COLUMNS} FROM engagement_reminders WHERE workspace_id = $1 AND id = $2`, [
        workspaceId,
        req.params.id,
      ]);
      if (!current) throw notFound('reminder');
      const next = {
        ...current,
        ...req.body,
        remind_at: req.body.remind_at ?? (current.remind_at as Date).toISOString(),
      };
      const at = await checkReminder(pool, workspaceId, current.message_id, next.condition, next.remind_at);
      // NOTE: only a pending reminder changes; the poller decides it under a row lock, so an edit never races a firing
      const { rows } = await pool.query(
        `UPDATE engagement_reminders SET title = $3, condition = $4, remind_at = $5, updated_at = now() WHERE workspace_id = $1 AND id = $2 AND state = 'pending' RETURNING ${REMINDER_COLUMNS}`,
        [workspaceId, req.params.id, next.title, next.condition, at],
      );
      if (!rows[0])
        throw new ApiProblem(409, `the reminder is ${current.state}; only a pending reminder can be changed`);
      return rows[0];
    },
  );
}

function removeReminderRoute(app: TypedApp, pool: Pool): void {
  app.delete(
    '/v1/engagement/reminders/:id',
    {
      schema: {
        tags,
        summary: 'Remove (cancel) a reminder until it fires',
        params: idParams,
        response: { 200: reminder },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      const { rows } = await pool.query(
        `UPDATE engagement_reminders SET state = 'cancelled', decided_at = now(), updated_at = now() WHERE workspace_id = $1 AND id = $2 AND state = 'pending' RETURNING ${REMINDER_COLUMNS}`,
        [workspaceId, req.params.id],
      );
      if (rows[0]) return rows[0];
      const {
        rows: [current],
      } = await pool.query('SELECT state FROM engagement_reminders WHERE workspace_id = $1 AND id = $2', [
        workspaceId,
        req.params.id,
      ]);
      if (!current) throw notFound('reminder');
      throw new ApiProblem(409, `the reminder is ${current.state}; only a pending reminder can be removed`);
    },
  );
}

function bestTimeRoute(app: TypedApp, pool: Pool): void {
  app.get(
    '/v1/engagement/best-time',
    {
      schema: {
        tags,
        summary: "Best delivery time: the next working hour (08:00–17:00, Mon–Fri) in the single recipient's time zone",
        querystring: bestTimeQuery,
      },
    },
    async (req) => {
      const { contact_id: ids = [], time_zone: zone } = req.query;
      if (zone !== undefined && !isKnownTimeZone(zone))
        throw new ApiProblem(400, `unknown time zone ${JSON.stringify(zone)}`, [
          { field: 'querystring.time_zone', message: 'an IANA name such as Europe/Oslo' },
        ]);
      if (zone !== undefined) return bestDeliveryTime([zone], new Date());
      const { rows } = await pool.query<{ id: string; time_zone: string | null }>(
        'SELECT id::text, time_zone FROM contacts WHERE workspace_id = $1 AND id = ANY($2::uuid[])',
        [workspaceOf(req), ids],
      );
      const missing = ids.findIndex((id) => !rows.some((row) => row.id === id));
      if (missing >= 0)
        throw new ApiProblem(404, 'a contact was not found', [
          { field: `querystring.contact_id[${missing}]`, message: 'no such contact in this workspace' },
        ]);
      return bestDeliveryTime(
        rows.map((row) => row.time_zone),
        new Date(),
      );
    },
  );
}

async function readSettings(pool: Pool, workspaceId: string) {
  const { rows } = await pool.query('SELECT alert_webhook_url FROM engagement_settings WHERE workspace_id = $1', [
    workspaceId,
  ]);
  return {
    following_enabled: await followingEnabled(pool, workspaceId),
    alert_webhook_url: rows[0]?.alert_webhook_url ?? null,
  };
}

function readSettingsRoute(app: TypedApp, pool: Pool): void {
  app.get(
    '/v1/engagement/settings',
    { schema: { tags, summary: "The workspace's following switch and alert webhook", response: { 200: settings } } },
    async (req) => readSettings(pool, workspaceOf(req)),
  );
}

function editSettingsRoute(app: TypedApp, pool: Pool, egress: EgressPolicy): void {
  app.patch(
    '/v1/engagement/settings',
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        summary: 'Switch following off or on for the whole workspace; set the alert webhook (scope admin)',
        body: settingsBody,
        response: { 200: settings },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      const b = req.body;
      // The save-time half of the egress policy (lib/platform/egress); a name resolving to a refused address fails when sent.
      const refusal = b.alert_webhook_url ? literalEgressRefusal(b.alert_webhook_url, egress) : null;
      if (refusal !== null)
        throw new ApiProblem(422, 'the alert webhook URL is refused by the egress policy', [
          { field: 'alert_webhook_url', message: refusal },
        ]);
      await pool.query(
        `INSERT INTO engagement_settings AS s (workspace_id, following_enabled, alert_webhook_url) VALUES ($1, coalesce($2, true), $3)
       ON CONFLICT (workspace_id) DO UPDATE SET following_enabled = coalesce($2, s.following_enabled),
         alert_webhook_url = CASE WHEN $4 THEN $3 ELSE s.alert_webhook_url END, updated_at = now()`,
        [workspaceId, b.following_enabled ?? null, b.alert_webhook_url ?? null, b.alert_webhook_url !== undefined],
      );
      return readSettings(pool, workspaceId);
    },
  );
}
