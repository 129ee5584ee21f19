import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formHtml } from '../../../lib/domain/forms/form-html';
import type { IngestDeps } from '../ingest-deps';
import { notFound } from '../token-guard';
import { allowedOrigin, allowOrigin } from './form-cors';
import type { FormTicketCodec } from './form-ticket';
import { formGate, formKey, frozenForms } from './forms.repository';
import { isUuid } from './landing-link';
import { freshTicket } from './page-render';
import { EMBED_SCRIPT } from './embed-script';
import { problem } from './submit-answers';

type EmbedRequest = FastifyRequest<{ Params: { formId: string } }>;

/** The script is the same for every form and changes only with a release of ingest. */
const SCRIPT_HEADERS = {
  'content-type': 'text/javascript; charset=utf-8',
  'cache-control': 'public, max-age=86400',
  'x-content-type-options': 'nosniff',
  'cross-origin-resource-policy': 'cross-origin',
};

/**
 * `GET /forms/<id>/embed.js` and `GET /forms/<id>/embed` (docs/pages-and-forms.md#embed-script): the script, and
 * the live form as an HTML fragment with a fresh ticket, readable only by ingest's own origin and the workspace's
 * form_origins (CORS); any other origin, or none, gets a 403 without the fragment.
 */
export async function registerEmbedRoutes(
  app: FastifyInstance,
  { deps, tickets }: { deps: IngestDeps; tickets: FormTicketCodec },
): Promise<void> {
  const publicUrl = new URL(deps.config.publicUrl);
  app.get('/forms/:formId/embed.js', async (request: EmbedRequest, reply: FastifyReply) => {
    if (!isUuid(request.params.formId)) return notFound(reply);
    return reply.code(200).headers(SCRIPT_HEADERS).send(EMBED_SCRIPT);
  });
  app.get('/forms/:formId/embed', async (request: EmbedRequest, reply: FastifyReply) => {
    const { formId } = request.params;
    const gate = isUuid(formId) ? await formGate(deps.pool, formId.toLowerCase()) : null;
    if (!gate || !gate.live || gate.liveVersion === null) return notFound(reply.header('vary', 'Origin'));
    const origin = allowedOrigin(request.headers.origin, publicUrl.origin, gate.origins);
    allowOrigin(reply, origin);
    if (origin === null)
      return problem(reply, 403, 'Origin not allowed', [
        { field: 'origin', message: 'not an allowed origin of this form' },
      ]);
    const live = await frozenForms(deps.pool, [{ formId: gate.formId, version: gate.liveVersion }]);
    const form = live.get(formKey(gate.formId, gate.liveVersion));
    if (!form) return notFound(reply);
    const action = new URL(`/forms/${form.formId}/submit`, publicUrl).toString();
    const html = formHtml(form, { action, ticket: freshTicket(tickets, form, null), landing: null });
    return reply
      .code(200)
      .headers({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' })
      .type('text/html; charset=utf-8')
      .send(html);
  });
}
