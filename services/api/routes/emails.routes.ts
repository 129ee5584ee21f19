import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance } from 'fastify';
import { isEmailAddress } from '../../../lib/domain/email/email-address';
import { sendQueueOf } from '../../../lib/contracts/sending/send-queue';
import { MAX_TEST_ADDRESSES } from '../../../lib/contracts/sending/test-send';
import type { ApiDeps } from '../api-deps';
import { workspaceOf } from '../api-auth';
import { ApiProblem, notFound } from '../api-problem';
import { DraftRenderer } from '../draft-renderer';
import {
  contentSettingsFor,
  goLive,
  mergeContextFor,
  runEmailCheck,
  queueTestSend,
  type EmailRow,
} from '../email-service';
import { childListRoute } from '../child-list';
import { noContent } from '../pagination';
import { assertReferences, getRow, idParams, resourceRoutes } from '../resource-routes';

const draftFields = {
  subject: { type: 'string', maxLength: 998 },
  from_address: { type: 'string', format: 'mailbox', maxLength: 254 },
  from_name: { type: 'string', maxLength: 200 },
  reply_to: {
    type: ['string', 'null'],
    format: 'mailbox',
    maxLength: 254,
    description: 'null: replies go to the from address',
  },
  preview_text: { type: 'string', maxLength: 500 },
  body_mjml: {
    type: 'string',
    maxLength: 500_000,
    description: 'MJML with Handlebars merge fields ({{contact.*}}, {{account.*}}, {{content.*}})',
  },
  content_settings_id: { type: ['string', 'null'], format: 'uuid' },
  attachments: {
    type: 'array',
    maxItems: 50,
    description: 'followed attachments: links in the body to these URLs are tracked as attachment downloads',
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['url'],
      properties: { url: { type: 'string', maxLength: 2000 }, label: { type: 'string', maxLength: 200, default: '' } },
    },
  },
} as const;
const writable = { name: { type: 'string', minLength: 1, maxLength: 300 }, ...draftFields } as const;
const issuesSchema = {
  type: 'array',
  items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
};
const linkSchema = {
  type: 'object',
  properties: {
    link_id: { type: 'string' },
    url: { type: 'string' },
    kind: { type: 'string' },
    label: { type: 'string' },
  },
};
const emailOutput = {
  status: { type: 'string', enum: ['draft', 'live', 'stopped'] },
  live_version: { type: ['integer', 'null'] },
  draft: { type: 'object', additionalProperties: true },
};
const tags = ['emails'];
const versionParams = {
  type: 'object',
  required: ['id', 'version'],
  properties: { id: { type: 'string', format: 'uuid' }, version: { type: 'integer', minimum: 1 } },
} as const;

function splitBody<T extends { name?: string }>(body: T): { name?: string; draft: Omit<T, 'name'> } {
  const { name, ...draft } = body;
  return { name, draft };
}

/** Jobs waiting for a draft-render thread beyond the ones running; more is a 503 (the rate limit bounds it first). */
const RENDER_QUEUE = 32;

export async function emailRoutes(untyped: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { pool, config } = deps;
  const app = untyped.withTypeProvider<JsonSchemaToTsProvider>();
  const renderer = new DraftRenderer(
    {
      threads: config.renderThreads,
      timeoutMs: config.renderTimeoutMs,
      maxChars: config.renderMaxChars,
      memoryMb: config.renderMemoryMb,
      maxQueued: RENDER_QUEUE,
    },
    deps.log.child({ component: 'draft-renderer' }),
  );
  untyped.addHook('onClose', async () => renderer.close());
  const load = (workspaceId: string, id: string) => getRow<EmailRow>(pool, 'emails', 'email', workspaceId, id);
  resourceRoutes(untyped, pool, {
    path: '/v1/emails',
    table: 'emails',
    noun: 'email',
    tag: 'emails',
    writable,
    output: emailOutput,
    required: ['name'],
    operations: ['list', 'get'],
    listFilters: {
      channel: {
        type: 'string',
        enum: ['marketing', 'one_to_one'],
        default: 'marketing',
        description: 'one_to_one: the emails behind engagement templates and messages',
      },
    },
  });
  const item = {
    type: 'object',
    additionalProperties: true,
    properties: { id: { type: 'string' }, name: { type: 'string' }, ...emailOutput },
  };
  const createBody = { type: 'object', additionalProperties: false, required: ['name'], properties: writable } as const;
  const editBody = { type: 'object', additionalProperties: false, properties: writable } as const;

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

  app.post(
    '/v1/emails/:id/check',
    {
      schema: {
        tags,
        summary: 'Run the error check without going live',
        params: idParams,
        response: { 200: { type: 'object', properties: { ok: { type: 'boolean' }, errors: issuesSchema } } },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      const check = await runEmailCheck(pool, renderer, workspaceId, await load(workspaceId, req.params.id));
      return { ok: check.issues.length === 0, errors: check.issues };
    },
  );

  app.post(
    '/v1/emails/:id/go-live',
    {
      schema: {
        tags,
        summary: 'Error check, compile MJML once and freeze a new immutable version with its link table',
        params: idParams,
        response: {
          200: {
            type: 'object',
            properties: {
              email_id: { type: 'string' },
              version: { type: 'integer' },
              links: { type: 'array', items: linkSchema },
            },
          },
        },
      },
    },
    async (req) => {
      const { id } = req.params;
      const result = await goLive(pool, renderer, workspaceOf(req), id);
      return { email_id: id, ...result };
    },
  );

  emailVersionRoutes(untyped, deps, load);
  emailRenderRoutes(untyped, deps, load, renderer);
}

/** Frozen versions (immutable once live) and deletion of emails that never went live. */
function emailVersionRoutes(
  untyped: FastifyInstance,
  deps: ApiDeps,
  load: (workspaceId: string, id: string) => Promise<EmailRow>,
): void {
  const { pool } = deps;
  const app = untyped.withTypeProvider<JsonSchemaToTsProvider>();
  const versionSummary = {
    type: 'object',
    properties: {
      id: { type: 'string' },
      version: { type: 'integer' },
      subject: { type: 'string' },
      created_at: { type: 'string', format: 'date-time' },
    },
  };
  childListRoute(untyped, pool, {
    url: '/v1/emails/:id/versions',
    tags,
    summary: 'Frozen versions of an email, oldest first',
    parent: { table: 'emails', noun: 'email' },
    item: versionSummary,
    select:
      'SELECT version::text AS id, version, subject, created_at FROM email_versions WHERE workspace_id = $1 AND email_id = $2 AND version > $3::int ORDER BY version LIMIT $4',
    firstCursor: '0',
  });
  app.delete(
    '/v1/emails/:id',
    {
      schema: {
        tags,
        summary: 'Delete an email that never went live (live versions stay for the click redirect)',
        params: idParams,
        response: { 204: noContent },
      },
    },
    async (req, reply) => {
      const workspaceId = workspaceOf(req);
      const { id } = req.params;
      const email = await load(workspaceId, id);
      if (email.live_version !== null)
        throw new ApiProblem(409, 'an email that went live cannot be deleted: its versions serve sent messages', [
          { field: 'status', message: email.status },
        ]);
      await pool.query('DELETE FROM emails WHERE workspace_id = $1 AND id = $2 AND live_version IS NULL', [
        workspaceId,
        id,
      ]);
      return reply.code(204).send(null);
    },
  );
  app.get(
    '/v1/emails/:id/versions/:version',
    {
      schema: {
        tags,
        summary: 'A frozen version with its compiled HTML and links',
        params: versionParams,
        response: {
          200: {
            type: 'object',
            additionalProperties: true,
            properties: { links: { type: 'array', items: linkSchema } },
          },
        },
      },
    },
    async (req) => {
      const { id, version } = req.params;
      const { rows } = await pool.query(
        'SELECT * FROM email_versions WHERE workspace_id = $1 AND email_id = $2 AND version = $3',
        [workspaceOf(req), id, version],
      );
      if (!rows[0]) throw notFound('email version');
      const links = await pool.query(
        'SELECT link_id, url, kind, label FROM email_links WHERE email_id = $1 AND version = $2 ORDER BY link_id',
        [id, version],
      );
      return { ...rows[0], links: links.rows };
    },
  );
}

/**
 * Preview and test send render the draft for one contact after the go-live check, on a draft-render thread within
 * its deadline and size budget; the sender renders frozen versions instead.
 */
function emailRenderRoutes(
  untyped: FastifyInstance,
  deps: ApiDeps,
  load: (workspaceId: string, id: string) => Promise<EmailRow>,
  renderer: DraftRenderer,
): void {
  const { pool } = deps;
  const app = untyped.withTypeProvider<JsonSchemaToTsProvider>();
  // the sender's queue (lib/contracts/sending), on the API's Redis connection; closed with the app
  const sendQueue = sendQueueOf(deps.redis, deps.config.queuePrefix);
  untyped.addHook('onClose', async () => sendQueue.close());
  const contactBody = {
    type: 'object',
    additionalProperties: false,
    required: ['contact_id'],
    properties: { contact_id: { type: 'string', format: 'uuid' } },
  } as const;
  app.post(
    '/v1/emails/:id/preview',
    {
      schema: {
        tags,
        summary: 'Render the draft for one contact',
        params: idParams,
        body: contactBody,
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            properties: { subject: { type: 'string' }, from_name: { type: 'string' }, html: { type: 'string' } },
          },
        },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      const email = await load(workspaceId, req.params.id);
      const content = await contentSettingsFor(pool, workspaceId, email.draft.content_settings_id);
      return renderer.render(
        email.draft,
        content,
        await mergeContextFor(pool, workspaceId, req.body.contact_id, content),
        'previewed',
      );
    },
  );

  const testBody = {
    type: 'object',
    additionalProperties: false,
    required: ['to', 'contact_id'],
    properties: {
      contact_id: { type: 'string', format: 'uuid', description: 'whose data fills the merge fields' },
      to: { type: 'array', minItems: 1, maxItems: MAX_TEST_ADDRESSES, items: { type: 'string', maxLength: 254 } },
    },
  } as const;
  app.post(
    '/v1/emails/:id/test-send',
    {
      config: { scope: 'send' },
      schema: {
        tags,
        summary: 'Queue the rendered draft for the sender, to up to 10 test addresses',
        params: idParams,
        body: testBody,
        response: {
          202: {
            type: 'object',
            properties: {
              sent_to: { type: 'integer', description: 'addresses queued for the sender' },
              request_id: { type: 'string' },
            },
          },
        },
      },
    },
    async (req, reply) => {
      const workspaceId = workspaceOf(req);
      const body = req.body;
      const bad = body.to.findIndex((address) => !isEmailAddress(address));
      if (bad >= 0)
        throw new ApiProblem(400, 'a test address is invalid', [
          { field: `to[${bad}]`, message: 'is not a valid address' },
        ]);
      const email = await load(workspaceId, req.params.id);
      const content = await contentSettingsFor(pool, workspaceId, email.draft.content_settings_id);
      // the go-live check refuses a from or reply-to address saved before addresses were checked (422, nothing queued)
      const rendered = await renderer.render(
        email.draft,
        content,
        await mergeContextFor(pool, workspaceId, body.contact_id, content),
        'sent as a test',
      );
      const request_id = await queueTestSend(sendQueue, {
        workspace_id: workspaceId,
        email_id: email.id,
        to: body.to,
        subject: rendered.subject,
        from_name: rendered.from_name,
        from_address: email.draft.from_address,
        reply_to: email.draft.reply_to ?? null,
        html: rendered.html,
      });
      return reply.code(202).send({ sent_to: body.to.length, request_id });
    },
  );
}
