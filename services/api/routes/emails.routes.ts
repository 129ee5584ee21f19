import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { SEND_QUEUE } from '../../../lib/sending/send-request';
import { isEmailAddress } from '../../../lib/email/email-check';
import type { ApiDeps } from '../app';
import { workspaceOf } from '../api-auth';
import { ApiProblem, notFound } from '../api-problem';
import { contentSettingsFor, goLive, mergeContextFor, renderDraft, runEmailCheck, queueTestSend, type EmailRow } from '../email-service';
import { decodeCursor, pageQuerySchema, pageSchema, toPage, type PageQuery } from '../pagination';
import { assertReferences, getRow, idParams, resourceRoutes } from '../resource-routes';

const draftFields = {
  subject: { type: 'string', maxLength: 998 },
  from_address: { type: 'string', maxLength: 254 },
  from_name: { type: 'string', maxLength: 200 },
  reply_to: { type: ['string', 'null'], maxLength: 254 },
  preview_text: { type: 'string', maxLength: 500 },
  body_mjml: { type: 'string', maxLength: 500_000, description: 'MJML with Handlebars merge fields ({{contact.*}}, {{account.*}}, {{content.*}})' },
  content_settings_id: { type: ['string', 'null'], format: 'uuid' },
  attachments: {
    type: 'array',
    maxItems: 50,
    description: 'followed attachments: links in the body to these URLs are tracked as attachment downloads',
    items: { type: 'object', additionalProperties: false, required: ['url'], properties: { url: { type: 'string', maxLength: 2000 }, label: { type: 'string', maxLength: 200, default: '' } } },
  },
};
const writable = { name: { type: 'string', minLength: 1, maxLength: 300 }, ...draftFields };
const issuesSchema = { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } };
const linkSchema = { type: 'object', properties: { link_id: { type: 'string' }, url: { type: 'string' }, kind: { type: 'string' }, label: { type: 'string' } } };
const emailOutput = { status: { type: 'string', enum: ['draft', 'live', 'stopped'] }, live_version: { type: ['integer', 'null'] }, draft: { type: 'object', additionalProperties: true } };
const tags = ['emails'];

function splitBody(body: Record<string, unknown>): { name?: string; draft: Record<string, unknown> } {
  const { name, ...draft } = body;
  return { name: name as string | undefined, draft };
}

export function emailRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { pool } = deps;
  const load = (workspaceId: string, id: string) => getRow<EmailRow>(pool, 'emails', 'email', workspaceId, id);
  resourceRoutes(app, pool, { path: '/v1/emails', table: 'emails', noun: 'email', tag: 'emails', writable, output: emailOutput, required: ['name'], operations: ['list', 'get'] });
  const item = { type: 'object', additionalProperties: true, properties: { id: { type: 'string' }, name: { type: 'string' }, ...emailOutput } };
  const bodySchema = (required: string[]) => ({ type: 'object', additionalProperties: false, required, properties: writable });

  app.post('/v1/emails', { schema: { tags, summary: 'Create a draft email', body: bodySchema(['name']), response: { 201: item } } }, async (req, reply) => {
    const workspaceId = workspaceOf(req);
    const { name, draft } = splitBody(req.body as Record<string, unknown>);
    await assertReferences(pool, workspaceId, { references: { content_settings_id: 'content_settings' } }, draft);
    const { rows } = await pool.query('INSERT INTO emails (workspace_id, name, draft) VALUES ($1, $2, $3) RETURNING *', [workspaceId, name, JSON.stringify(draft)]);
    return reply.code(201).send(rows[0]);
  });

  app.patch('/v1/emails/:id', { schema: { tags, summary: 'Edit the draft (a live email keeps its frozen version until the next go-live makes a new one)', params: idParams, body: bodySchema([]), response: { 200: item } } }, async (req) => {
    const workspaceId = workspaceOf(req);
    const { name, draft } = splitBody(req.body as Record<string, unknown>);
    await assertReferences(pool, workspaceId, { references: { content_settings_id: 'content_settings' } }, draft);
    const { rows } = await pool.query(
      'UPDATE emails SET name = coalesce($3, name), draft = draft || $4::jsonb, updated_at = now() WHERE workspace_id = $1 AND id = $2 RETURNING *',
      [workspaceId, (req.params as { id: string }).id, name ?? null, JSON.stringify(draft)],
    );
    if (!rows[0]) throw notFound('email');
    return rows[0];
  });

  app.post('/v1/emails/:id/check', { schema: { tags, summary: 'Run the error check without going live', params: idParams, response: { 200: { type: 'object', properties: { ok: { type: 'boolean' }, errors: issuesSchema } } } } }, async (req) => {
    const workspaceId = workspaceOf(req);
    const check = await runEmailCheck(pool, workspaceId, await load(workspaceId, (req.params as { id: string }).id));
    return { ok: check.issues.length === 0, errors: check.issues };
  });

  app.post('/v1/emails/:id/go-live', { schema: { tags, summary: 'Error check, compile MJML once and freeze a new immutable version with its link table', params: idParams, response: { 200: { type: 'object', properties: { email_id: { type: 'string' }, version: { type: 'integer' }, links: { type: 'array', items: linkSchema } } } } } }, async (req) => {
    const { id } = req.params as { id: string };
    const result = await goLive(pool, workspaceOf(req), id);
    return { email_id: id, ...result };
  });

  emailVersionRoutes(app, deps, load);
  emailRenderRoutes(app, deps, load);
}

/** Frozen versions (immutable once live) and deletion of emails that never went live. */
function emailVersionRoutes(app: FastifyInstance, deps: ApiDeps, load: (workspaceId: string, id: string) => Promise<EmailRow>): void {
  const { pool } = deps;
  const versionSummary = { type: 'object', properties: { id: { type: 'string' }, version: { type: 'integer' }, subject: { type: 'string' }, created_at: { type: 'string', format: 'date-time' } } };
  app.get('/v1/emails/:id/versions', { schema: { tags, summary: 'Frozen versions of an email, oldest first', params: idParams, querystring: pageQuerySchema, response: { 200: pageSchema(versionSummary) } } }, async (req) => {
    const workspaceId = workspaceOf(req);
    const { id } = req.params as { id: string };
    const query = req.query as PageQuery;
    const limit = query.limit ?? 50;
    await load(workspaceId, id);
    const { rows } = await pool.query<{ id: string }>(
      'SELECT version::text AS id, version, subject, created_at FROM email_versions WHERE workspace_id = $1 AND email_id = $2 AND version > $3::int ORDER BY version LIMIT $4',
      [workspaceId, id, decodeCursor(query.cursor) ?? '0', limit + 1],
    );
    return toPage(rows, limit);
  });
  app.delete('/v1/emails/:id', { schema: { tags, summary: 'Delete an email that never went live (live versions stay for the click redirect)', params: idParams, response: { 204: { type: 'null' } } } }, async (req, reply) => {
    const workspaceId = workspaceOf(req);
    const { id } = req.params as { id: string };
    const email = await load(workspaceId, id);
    if (email.live_version !== null) throw new ApiProblem(409, 'an email that went live cannot be deleted: its versions serve sent messages', [{ field: 'status', message: email.status }]);
    await pool.query('DELETE FROM emails WHERE workspace_id = $1 AND id = $2 AND live_version IS NULL', [workspaceId, id]);
    return reply.code(204).send();
  });
  app.get('/v1/emails/:id/versions/:version', { schema: { tags, summary: 'A frozen version with its compiled HTML and links', params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' }, version: { type: 'integer', minimum: 1 } } }, response: { 200: { type: 'object', additionalProperties: true, properties: { links: { type: 'array', items: linkSchema } } } } } }, async (req) => {
    const { id, version } = req.params as { id: string; version: number };
    const { rows } = await pool.query('SELECT * FROM email_versions WHERE workspace_id = $1 AND email_id = $2 AND version = $3', [workspaceOf(req), id, version]);
    if (!rows[0]) throw notFound('email version');
    const links = await pool.query('SELECT link_id, url, kind, label FROM email_links WHERE email_id = $1 AND version = $2 ORDER BY link_id', [id, version]);
    return { ...rows[0], links: links.rows };
  });

}

/** Preview and test send render the draft for one contact; the sender renders frozen versions instead. */
function emailRenderRoutes(app: FastifyInstance, deps: ApiDeps, load: (workspaceId: string, id: string) => Promise<EmailRow>): void {
  const { pool } = deps;
  // the sender's queue (lib/sending), on the API's Redis connection; closed with the app
  const sendQueue = new Queue(SEND_QUEUE, { connection: deps.redis, prefix: deps.config.sendQueuePrefix });
  app.addHook('onClose', async () => sendQueue.close());
  const contactBody = { type: 'object', additionalProperties: false, required: ['contact_id'], properties: { contact_id: { type: 'string', format: 'uuid' } } };
  app.post('/v1/emails/:id/preview', { schema: { tags, summary: 'Render the draft for one contact', params: idParams, body: contactBody, response: { 200: { type: 'object', properties: { subject: { type: 'string' }, from_name: { type: 'string' }, html: { type: 'string' } } } } } }, async (req) => {
    const workspaceId = workspaceOf(req);
    const email = await load(workspaceId, (req.params as { id: string }).id);
    const content = await contentSettingsFor(pool, workspaceId, email.draft.content_settings_id);
    return renderDraft(email.draft, await mergeContextFor(pool, workspaceId, (req.body as { contact_id: string }).contact_id, content));
  });

  const testBody = { type: 'object', additionalProperties: false, required: ['to', 'contact_id'], properties: { contact_id: { type: 'string', format: 'uuid', description: 'whose data fills the merge fields' }, to: { type: 'array', minItems: 1, maxItems: 10, items: { type: 'string', maxLength: 254 } } } };
  app.post('/v1/emails/:id/test-send', { config: { scope: 'send' }, schema: { tags, summary: 'Queue the rendered draft for the sender, to up to 10 test addresses', params: idParams, body: testBody, response: { 202: { type: 'object', properties: { sent_to: { type: 'integer', description: 'addresses queued for the sender' }, request_id: { type: 'string' } } } } } }, async (req, reply) => {
    const workspaceId = workspaceOf(req);
    const body = req.body as { to: string[]; contact_id: string };
    const bad = body.to.findIndex((address) => !isEmailAddress(address));
    if (bad >= 0) throw new ApiProblem(400, 'a test address is invalid', [{ field: `to[${bad}]`, message: 'is not a valid address' }]);
    const email = await load(workspaceId, (req.params as { id: string }).id);
    const content = await contentSettingsFor(pool, workspaceId, email.draft.content_settings_id);
    const rendered = await renderDraft(email.draft, await mergeContextFor(pool, workspaceId, body.contact_id, content));
    const request_id = await queueTestSend(sendQueue, {
      workspace_id: workspaceId, email_id: email.id, to: body.to, subject: rendered.subject, from_name: rendered.from_name,
      from_address: email.draft.from_address, reply_to: email.draft.reply_to ?? null, html: rendered.html,
    });
    return reply.code(202).send({ sent_to: body.to.length, request_id });
  });
}
