import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TrackingToken } from '../../../lib/contracts/tracking/tracking-token';
import type { IngestDeps } from '../ingest-deps';
import { machineReason, parseCidrs } from '../machine-traffic';
import { allowOrigin } from '../forms/form-cors';
import { FormRateLimits } from '../forms/form-rate-limits';
import { problem } from '../forms/submit-answers';
import { webEvent } from './web-events';
import { readWebHit, type WebHit } from './web-hit';
import { WEB_SCRIPT, WEB_SCRIPT_ETAG } from './web-script';
import type { Website, WebsiteDirectory } from './website-directory';

/** The script changes only with a release of ingest: cached for a day, revalidated by its ETag. */
const SCRIPT_HEADERS = {
  'content-type': 'text/javascript; charset=utf-8',
  'cache-control': 'public, max-age=86400',
  etag: WEB_SCRIPT_ETAG,
  'x-content-type-options': 'nosniff',
  'cross-origin-resource-policy': 'cross-origin',
};

interface WebKit {
  deps: IngestDeps;
  websites: WebsiteDirectory;
  limits: FormRateLimits;
  machine: (request: FastifyRequest, web: TrackingToken | null, type: string) => string | null;
}

/** `GET /w.js` and `POST /w/collect` (docs/web-tracking.md). */
export async function registerWebRoutes(
  app: FastifyInstance,
  { deps, websites }: { deps: IngestDeps; websites: WebsiteDirectory },
): Promise<void> {
  const networks = parseCidrs(deps.config.scannerNetworks);
  const kit: WebKit = {
    deps,
    websites,
    // Redis keys of their own (`…:web:ingest-form-rate:ip:<website>:…`): per website and client address, per hour.
    limits: new FormRateLimits(
      deps.redis,
      `${deps.config.queuePrefix}:web`,
      { perIp: deps.config.webPerIp, perEmail: 0 },
      deps.log,
    ),
    machine: (request, web, type) => {
      const hit = { method: request.method, headers: request.headers, ip: request.ip, sentAt: web?.sentAt ?? 0 };
      const reason = machineReason({ ...hit, nowMs: Date.now() }, networks, deps.config.machineWindowSeconds);
      deps.metrics.trackingHits.inc(type, reason === null ? 'false' : 'true', reason ?? 'human');
      return reason;
    },
  };
  app.get('/w.js', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.headers['if-none-match'] === WEB_SCRIPT_ETAG) return reply.code(304).headers(SCRIPT_HEADERS).send();
    return reply.code(200).headers(SCRIPT_HEADERS).send(WEB_SCRIPT);
  });
  app.post('/w/collect', { bodyLimit: deps.config.webBodyLimit }, (request, reply) => collect(kit, request, reply));
}

/** Whether the browser asked not to be tracked: Do Not Track or Global Privacy Control. */
const optedOut = (request: FastifyRequest): boolean =>
  request.headers.dnt === '1' || request.headers['sec-gpc'] === '1';

/**
 * A web token good for this website's workspace: purpose `web`, the same workspace, a contact that is followed and
 * not erased. Anything else (forged, another purpose, another workspace's) leaves the hit anonymous.
 */
function verifiedWeb(deps: IngestDeps, raw: string, site: Website): TrackingToken | null {
  if (raw === '') return null;
  const token = deps.tokens.verify(raw, 'web');
  if (!token || token.workspaceId !== site.workspaceId) return null;
  if (!deps.following.follows(token) || deps.following.erased(token.contactId)) return null;
  return token;
}

/** The website of a hit from its own origin, or the refusal already sent. */
async function siteOf(kit: WebKit, request: FastifyRequest, reply: FastifyReply, hit: WebHit) {
  const site = await kit.websites.website(hit.websiteId);
  if (!site) return problem(reply, 404, 'Unknown website', [{ field: 'website', message: 'no such website' }]);
  // NOTE: only the website's own pages may report hits: a browser always sends Origin on this cross-site post.
  if (request.headers.origin !== site.origin)
    return problem(reply, 403, 'Origin not allowed', [{ field: 'origin', message: `must be ${site.origin}` }]);
  allowOrigin(reply, site.origin);
  if (hit.page.origin !== site.origin)
    return problem(reply, 422, 'Page not on the website', [{ field: 'url', message: `must be on ${site.origin}` }]);
  return site;
}

async function collect(kit: WebKit, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const { deps } = kit;
  reply.header('cache-control', 'no-store');
  const hit = readWebHit(request.body);
  if ('field' in hit) return problem(reply, 400, 'Bad hit', [hit]);
  const site = await siteOf(kit, request, reply, hit);
  if (!('workspaceId' in site)) return site;
  // NOTE: with honor_dnt, nothing of a browser that opted out is recorded or counted.
  if (site.honorDnt && optedOut(request)) return reply.code(204).send();
  const wait = await kit.limits.take('ip', site.id, request.ip);
  if (wait > 0)
    return problem(reply.header('retry-after', String(wait)), 429, 'Too many hits', [
      { field: 'website', message: 'too many hits from this address; try again later' },
    ]);
  const web = verifiedWeb(deps, hit.token, site);
  const type = hit.kind === 'page_view' ? 'web_page_viewed' : 'web_link_clicked';
  const event = webEvent(site, hit, web, {
    machineReason: kit.machine(request, web, type),
    userAgent: request.headers['user-agent']?.slice(0, 512) ?? null,
    // NOTE: only the country of the address is recorded, never the address.
    country: deps.countryOf(request.ip),
  });
  try {
    // NOTE: answered once the event is durable (Kafka or the spool): an accepted hit is never lost.
    await deps.sink.publishEvent(event);
  } catch (error) {
    deps.log.error({ err: error }, 'event_lost');
    return problem(reply, 503, 'Try again', [{ field: 'body', message: 'could not be recorded now' }]);
  }
  return reply.code(200).send({ visitor_cookie: site.visitorIdMode === 'first_party' });
}
