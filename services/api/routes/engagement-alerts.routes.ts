import type { Pool } from 'pg';
import type { TypedApp } from '../api-deps';
import { workspaceOf } from '../api-auth';
import { ApiProblem, notFound } from '../api-problem';
import { idParams } from '../resource-routes';
import { alert, alertQuery, callBody, snoozeBody } from './engagement-followups.schemas';
import { tags } from './engagement.schemas';

const ALERT_COLUMNS =
  'id::text, kind, message_id::text, owner, title, payload, created_at, dismissed_at, snoozed_until, task_id::text, webhook_state, webhook_attempts';
/** The longest snooze: an alert put off further is better dismissed (docs/engagement.md#first-open-alerts). */
export const MAX_SNOOZE_MS = 30 * 86_400_000;

/** Alerts: list, dismiss, snooze, and create a call (a phone_call task), the actions of an alert card. */
export function engagementAlertRoutes(app: TypedApp, pool: Pool): void {
  listAlertsRoute(app, pool);
  dismissAlertRoute(app, pool);
  snoozeAlertRoute(app, pool);
  callAlertRoute(app, pool);
}

function listAlertsRoute(app: TypedApp, pool: Pool): void {
  app.get(
    '/v1/engagement/alerts',
    {
      schema: {
        tags,
        summary: 'Alerts for message owners (first open, reminders), newest first; snoozed ones only once due again',
        querystring: alertQuery,
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: alert } } } },
      },
    },
    async (req) => {
      const q = req.query;
      const { rows } = await pool.query(
        `SELECT ${ALERT_COLUMNS} FROM engagement_alerts WHERE workspace_id = $1 AND ($2::text IS NULL OR owner = $2) AND ($3::boolean OR dismissed_at IS NULL) AND ($4::uuid IS NULL OR message_id = $4)
           AND ($5::boolean OR snoozed_until IS NULL OR snoozed_until <= now())
        ORDER BY created_at DESC, id LIMIT 500`,
        [
          workspaceOf(req),
          q.owner ?? null,
          q.include_dismissed ?? false,
          q.message_id ?? null,
          q.include_snoozed ?? false,
        ],
      );
      return { items: rows };
    },
  );
}

function dismissAlertRoute(app: TypedApp, pool: Pool): void {
  app.post(
    '/v1/engagement/alerts/:id/dismiss',
    { schema: { tags, summary: 'Dismiss an alert', params: idParams, response: { 200: alert } } },
    async (req) => {
      const { rows } = await pool.query(
        `UPDATE engagement_alerts SET dismissed_at = coalesce(dismissed_at, now()) WHERE workspace_id = $1 AND id = $2 RETURNING ${ALERT_COLUMNS}`,
        [workspaceOf(req), req.params.id],
      );
      if (!rows[0]) throw notFound('alert');
      return rows[0];
    },
  );
}

/** A snooze ends in the future and at most MAX_SNOOZE_MS ahead; else a 422 naming `until`. */
export function parseSnoozeUntil(value: string, now = Date.now()): Date {
  const at = new Date(value);
  if (Number.isNaN(at.getTime()) || at.getTime() <= now)
    throw new ApiProblem(422, 'until is not in the future', [
      { field: 'until', message: 'must be a future date-time' },
    ]);
  if (at.getTime() > now + MAX_SNOOZE_MS)
    throw new ApiProblem(422, 'until is more than 30 days ahead', [
      { field: 'until', message: 'must be at most 30 days ahead' },
    ]);
  return at;
}

function snoozeAlertRoute(app: TypedApp, pool: Pool): void {
  app.post(
    '/v1/engagement/alerts/:id/snooze',
    {
      schema: {
        tags,
        summary: 'Snooze an alert: hidden from the list until `until` (future, at most 30 days ahead)',
        params: idParams,
        body: snoozeBody,
        response: { 200: alert },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      const until = parseSnoozeUntil(req.body.until);
      const { rows } = await pool.query(
        `UPDATE engagement_alerts SET snoozed_until = $3 WHERE workspace_id = $1 AND id = $2 AND dismissed_at IS NULL RETURNING ${ALERT_COLUMNS}`,
        [workspaceId, req.params.id, until],
      );
      if (rows[0]) return rows[0];
      const { rowCount } = await pool.query('SELECT 1 FROM engagement_alerts WHERE workspace_id = $1 AND id = $2', [
        workspaceId,
        req.params.id,
      ]);
      if (!rowCount) throw notFound('alert');
      throw new ApiProblem(409, 'the alert is dismissed; only an alert still shown can be snoozed');
    },
  );
}

interface CallTarget {
  title: string;
  message_id: string | null;
  contact_id: string | null;
}

/** The alert's contact: the message's first recipient still a contact, else the contact the message is regarding. */
async function callTarget(pool: Pool, workspaceId: string, alertId: string): Promise<CallTarget> {
  const { rows } = await pool.query<CallTarget>(
    `SELECT a.title, a.message_id::text, coalesce(
            (SELECT r.contact_id::text FROM engagement_recipients r JOIN contacts c ON c.id = r.contact_id AND c.workspace_id = a.workspace_id
              WHERE r.message_id = m.id ORDER BY r.idx LIMIT 1),
            (SELECT c.id::text FROM contacts c WHERE m.regarding_type = 'contact' AND c.workspace_id = a.workspace_id AND c.id = m.regarding_id)) AS contact_id
       FROM engagement_alerts a LEFT JOIN engagement_messages m ON m.id = a.message_id
      WHERE a.workspace_id = $1 AND a.id = $2`,
    [workspaceId, alertId],
  );
  const target = rows[0];
  if (!target) throw notFound('alert');
  if (target.message_id === null)
    throw new ApiProblem(409, 'the alert names no message, so no contact to call (journey or sending domain paused)');
  return target;
}

/**
 * NOTE: one task per alert however often or concurrently this is called: its once_key is alert:<id> (unique,
 * ON CONFLICT DO NOTHING); a call that lost the race reads the winner's task in a statement of its own (a
 * fresh snapshot), and the alert's task_id is set from that one task.
 */
async function callTask(pool: Pool, workspaceId: string, alertId: string, body: { due_at?: string; subject?: string }) {
  const target = await callTarget(pool, workspaceId, alertId);
  const key = `alert:${alertId}`;
  const made = await pool.query<{ id: string }>(
    `INSERT INTO tasks (workspace_id, contact_id, once_key, kind, subject, due_at) VALUES ($1, $2, $3, 'phone_call', $4, $5)
     ON CONFLICT (once_key) DO NOTHING RETURNING id::text`,
    [workspaceId, target.contact_id, key, body.subject ?? `Call: ${target.title}`.slice(0, 300), body.due_at ?? null],
  );
  const taskId =
    made.rows[0]?.id ??
    (await pool.query<{ id: string }>('SELECT id::text FROM tasks WHERE once_key = $1', [key])).rows[0]?.id;
  const { rows } = await pool.query(
    `UPDATE engagement_alerts SET task_id = $3 WHERE workspace_id = $1 AND id = $2 RETURNING ${ALERT_COLUMNS}`,
    [workspaceId, alertId, taskId],
  );
  return { created: made.rows.length > 0, alert: rows[0] };
}

function callAlertRoute(app: TypedApp, pool: Pool): void {
  app.post(
    '/v1/engagement/alerts/:id/call',
    {
      // the body is optional: a POST without one (no content-type) is validated as {}
      preValidation: async (req) => {
        req.body ??= {};
      },
      schema: {
        tags,
        summary: "Create a call: one phone_call task for the alert's contact (GET /v1/tasks); again, the same task",
        params: idParams,
        body: callBody,
        response: { 200: alert, 201: alert },
      },
    },
    async (req, reply) => {
      const { created, alert: row } = await callTask(pool, workspaceOf(req), req.params.id, req.body);
      return reply.code(created ? 201 : 200).send(row);
    },
  );
}
