import type { Queue } from 'bullmq';
import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { isEmailAddress } from '../../../lib/domain/email/email-address';
import { sendQueueOf, type SendQueueJob } from '../../../lib/contracts/sending/send-queue';
import type { ApiConfig } from '../api.config';
import type { ApiDeps, TypedApp } from '../api-deps';
import { workspaceOf } from '../api-auth';
import { ApiProblem } from '../api-problem';
import { DraftRenderer } from '../draft-renderer';
import { contentSettingsFor, loadEmail, mergeContextFor, queueTestSend } from '../email-service';
import { idParams, resourceRoutes } from '../resource-routes';
import { assertVerifiedFrom } from '../sending-domains';
import { emailDraftRoutes } from './emails-draft.routes';
import { emailVersionRoutes } from './emails-versions.routes';
import {
  contactBody,
  emailOutput,
  previewResponse,
  tags,
  testBody,
  testSendResponse,
  writable,
} from './emails.schemas';

/** Jobs waiting for a draft-render thread beyond the ones running; more is a 503 (the rate limit bounds it first). */
const RENDER_QUEUE = 32;

/**
 * Marketing emails: list and read (resourceRoutes), the draft and its go-live (emails-draft.routes.ts), frozen
 * versions (emails-versions.routes.ts), preview and test send; one draft renderer for all of them, closed with the app.
 */
export async function emailRoutes(untyped: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { pool } = deps;
  const app = untyped.withTypeProvider<JsonSchemaToTsProvider>();
  const renderer = draftRenderer(deps);
  untyped.addHook('onClose', async () => renderer.close());
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
  emailDraftRoutes(app, pool, renderer, deps.config);
  emailVersionRoutes(untyped, deps);
  emailRenderRoutes(untyped, deps, renderer);
}

/** A draft renderer on the API's render settings (pages have their own: forms.routes.ts). */
export function draftRenderer({ config, log }: ApiDeps): DraftRenderer {
  return new DraftRenderer(
    {
      threads: config.renderThreads,
      timeoutMs: config.renderTimeoutMs,
      maxChars: config.renderMaxChars,
      memoryMb: config.renderMemoryMb,
      maxQueued: RENDER_QUEUE,
    },
    log.child({ component: 'draft-renderer' }),
  );
}

/**
 * Preview and test send render the draft for one contact after the go-live check, on a draft-render thread within
 * its deadline and size budget; the sender renders frozen versions instead.
 */
function emailRenderRoutes(untyped: FastifyInstance, deps: ApiDeps, renderer: DraftRenderer): void {
  const { pool } = deps;
  const app = untyped.withTypeProvider<JsonSchemaToTsProvider>();
  // the sender's queue (lib/contracts/sending), on the API's Redis connection; closed with the app
  const sendQueue = sendQueueOf(deps.redis, deps.config.queuePrefix);
  untyped.addHook('onClose', async () => sendQueue.close());
  previewRoute(app, pool, renderer);
  testSendRoute(app, pool, renderer, sendQueue, deps.config);
}

function previewRoute(app: TypedApp, pool: Pool, renderer: DraftRenderer): void {
  app.post(
    '/v1/emails/:id/preview',
    {
      schema: {
        tags,
        summary: 'Render the draft for one contact',
        params: idParams,
        body: contactBody,
        response: { 200: previewResponse },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      const email = await loadEmail(pool, workspaceId, req.params.id);
      const content = await contentSettingsFor(pool, workspaceId, email.draft.content_settings_id);
      return renderer.render(
        email.draft,
        content,
        await mergeContextFor(pool, workspaceId, req.body.contact_id, content),
        'previewed',
      );
    },
  );
}

function testSendRoute(
  app: TypedApp,
  pool: Pool,
  renderer: DraftRenderer,
  sendQueue: Queue<SendQueueJob>,
  config: Pick<ApiConfig, 'sendingDomains'>,
): void {
  app.post(
    '/v1/emails/:id/test-send',
    {
      config: { scope: 'send' },
      schema: {
        tags,
        summary: 'Queue the rendered draft for the sender, to up to 10 test addresses',
        params: idParams,
        body: testBody,
        response: { 202: testSendResponse },
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
      const email = await loadEmail(pool, workspaceId, req.params.id);
      // a test send is a send: its From domain must be verified as at go-live (docs/api.md#sending-domains)
      await assertVerifiedFrom(pool, config, workspaceId, email.draft.from_address);
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
