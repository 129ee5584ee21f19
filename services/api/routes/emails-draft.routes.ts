/**
 * The draft of a marketing email (create, edit), its error check and go-live; registered by the emails plugin
 * (emails.routes.ts), whose renderer they share.
 */
import type { Pool } from 'pg';
import type { ApiConfig } from '../api.config';
import type { TypedApp } from '../api-deps';
import { workspaceOf } from '../api-auth';
import { notFound } from '../api-problem';
import type { DraftRenderer } from '../draft-renderer';
import { goLive, loadEmail, runEmailCheck } from '../email-service';
import { assertReferences, idParams } from '../resource-routes';
import { checkResponse, createBody, editBody, goLiveResponse, item, tags } from './emails.schemas';

/** Registered in this order within the emails plugin (the OpenAPI document lists them so). */
export function emailDraftRoutes(
  app: TypedApp,
  pool: Pool,
  renderer: DraftRenderer,
  config: Pick<ApiConfig, 'sendingDomains'>,
): void {
  createEmailRoute(app, pool);
  editEmailRoute(app, pool);
  checkEmailRoute(app, pool, renderer);
  goLiveRoute(app, pool, renderer, config);
}

function splitBody<T extends { name?: string }>(body: T): { name?: string; draft: Omit<T, 'name'> } {
  const { name, ...draft } = body;
  return { name, draft };
}

function createEmailRoute(app: TypedApp, pool: Pool): void {
  app.post(
    '/v1/emails',
    { schema: { tags, summary: 'Create a draft email', body: createBody, response: { 201: item } } },
    async (req, reply) => {
      const workspaceId = workspaceOf(req);
      const { name, draft } = splitBody(req.body);
      await assertReferences(pool, workspaceId, { references: { content_settings_id: 'content_settings' } }, draft);
      const { rows } = await pool.query(
        'INSERT INTO emails (workspace_id, name, draft) VALUES ($1, $2, $3) RETURNING *',
        [workspaceId, name, JSON.stringify(draft)],
      );
      return reply.code(201).send(rows[0]);
    },
  );
}

function editEmailRoute(app: TypedApp, pool: Pool): void {
  app.patch(
    '/v1/emails/:id',
    {
      schema: {
        tags,
        summary: 'Edit the draft (a live email keeps its frozen version until the next go-live makes a new one)',
        params: idParams,
        body: editBody,
        response: { 200: item },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      const { name, draft } = splitBody(req.body);
      await assertReferences(pool, workspaceId, { references: { content_settings_id: 'content_settings' } }, draft);
      const { rows } = await pool.query(
        'UPDATE emails SET name = coalesce($3, name), draft = draft || $4::jsonb, updated_at = now() WHERE workspace_id = $1 AND id = $2 RETURNING *',
        [workspaceId, req.params.id, name ?? null, JSON.stringify(draft)],
      );
      if (!rows[0]) throw notFound('email');
      return rows[0];
    },
  );
}

function checkEmailRoute(app: TypedApp, pool: Pool, renderer: DraftRenderer): void {
  app.post(
    '/v1/emails/:id/check',
    {
      schema: {
        tags,
        summary: 'Run the error check without going live',
        params: idParams,
        response: { 200: checkResponse },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      const check = await runEmailCheck(pool, renderer, workspaceId, await loadEmail(pool, workspaceId, req.params.id));
      return { ok: check.issues.length === 0, errors: check.issues };
    },
  );
}

function goLiveRoute(
  app: TypedApp,
  pool: Pool,
  renderer: DraftRenderer,
  config: Pick<ApiConfig, 'sendingDomains'>,
): void {
  app.post(
    '/v1/emails/:id/go-live',
    {
      schema: {
        tags,
        summary: 'Error check, compile MJML once and freeze a new immutable version with its link table',
        params: idParams,
        response: { 200: goLiveResponse },
      },
    },
    async (req) => {
      const { id } = req.params;
      const result = await goLive(pool, renderer, workspaceOf(req), id, config);
      return { email_id: id, ...result };
    },
  );
}
