import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TrackingToken } from '../../../lib/contracts/tracking/tracking-token';
import { notFound } from '../token-guard';
import type { IngestDeps } from '../ingest-deps';
import { machineReason, parseCidrs } from '../machine-traffic';
import { pageVisitedEvent } from './form-events';
import type { FormTicketCodec } from './form-ticket';
import { pageVersion, type PageVersion } from './forms.repository';
import { isUuid, LANDING_PARAM } from './landing-link';
import { pageHeaders, renderPage } from './page-render';

/**
 * A landing token good for this workspace's page: purpose `landing`, the page's workspace, a contact that is
 * followed and not erased (following-policy.ts). Anything else is an anonymous visit, not an error.
 */
export function verifiedLanding(deps: IngestDeps, raw: unknown, workspaceId: string): TrackingToken | null {
  if (typeof raw !== 'string' || raw === '') return null;
  const token = deps.tokens.verify(raw, 'landing');
  if (!token || token.workspaceId !== workspaceId) return null;
  if (!deps.following.follows(token) || deps.following.erased(token.contactId)) return null;
  return token;
}

type PageRequest = FastifyRequest<{ Params: { pageId: string }; Querystring: Record<string, unknown> }>;

/** Records the visit like a pixel hit: machine traffic flagged, the country only, never waiting on Kafka. */
function visitRecorder(deps: IngestDeps) {
  const networks = parseCidrs(deps.config.scannerNetworks);
  return (request: FastifyRequest, on: PageVersion, landing: TrackingToken | null): void => {
    const ip = request.ip;
    const hit = { method: request.method, headers: request.headers, ip, sentAt: landing?.sentAt ?? 0 };
    const reason = machineReason({ ...hit, nowMs: Date.now() }, networks, deps.config.machineWindowSeconds);
    deps.metrics.trackingHits.inc('page_visited', reason === null ? 'false' : 'true', reason ?? 'human');
    const event = pageVisitedEvent(on, landing, {
      machineReason: reason,
      userAgent: request.headers['user-agent']?.slice(0, 512) ?? null,
      // NOTE: only the country of the address is recorded, never the address.
      country: deps.countryOf(ip),
    });
    // The sink spools while Kafka is away: the page answers at once either way.
    deps.sink.publishEvent(event).catch((error: Error) => deps.log.error({ err: error }, 'event_lost'));
  };
}

/** `GET /p/<page id>`: a live page with its forms (docs/pages-and-forms.md#pages) and a page_visited event. */
export async function registerPageRoutes(
  app: FastifyInstance,
  { deps, tickets }: { deps: IngestDeps; tickets: FormTicketCodec },
): Promise<void> {
  const record = visitRecorder(deps);
  app.get('/p/:pageId', async (request: PageRequest, reply: FastifyReply) => {
    const { pageId } = request.params;
    if (!isUuid(pageId)) return notFound(reply);
    const on = await pageVersion(deps.pool, pageId, null);
    if (!on) return notFound(reply);
    const raw = request.query[LANDING_PARAM];
    const landing = verifiedLanding(deps, raw, on.workspaceId);
    const rendered = await renderPage(deps.pool, tickets, on, {
      landing: landing && typeof raw === 'string' ? raw : null,
    });
    record(request, on, landing);
    return reply
      .code(200)
      .headers(pageHeaders(rendered.formActions))
      .type('text/html; charset=utf-8')
      .send(rendered.html);
  });
}
