import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EmailEvent } from '../../lib/contracts/events/event-types';
import { deviceOf } from '../../lib/domain/engagement/device-type';
import { isRedirectCode } from '../../lib/domain/redirects/redirect-url';
import { WindowCounter } from './bounded-cache';
import type { IngestDeps } from './ingest-deps';
import { machineReason, parseCidrs } from './machine-traffic';
import { type RedirectTarget, RedirectResolver } from './redirects.repository';
import { notFound, tooManyRequests } from './token-guard';
import { NO_CACHE } from './tracking.routes';

/** `GET /r/<code>`: a redirect URL (docs/redirect-urls.md#the-redirect). */
export const REDIRECT_ROUTE = '/r/:code';
const BAD_CODE_WINDOW_MS = 10 * 60_000;

type RedirectRequest = FastifyRequest<{ Params: { code: string } }>;

/** A redirect_clicked event of one hit: anonymous, its own id, the client's country and device class only. */
export function redirectClickedEvent(
  target: RedirectTarget,
  hit: { machineReason: string | null; userAgent: string | undefined; country: string | null },
): EmailEvent<'redirect_clicked'> {
  return {
    type: 'redirect_clicked',
    data: {
      // NOTE: a fresh event id per hit: every hit is a click of its own, and the aggregator counts each id once
      // however often the spool or Kafka replays it.
      ...{ event_id: randomUUID(), event_time: Date.now(), workspace_id: target.workspaceId, contact_id: '' },
      ...{ message_id: '', email_id: '', email_version: 0, journey_id: null, tile_id: null, iteration: 0 },
      ...{ machine: hit.machineReason !== null, machine_reason: hit.machineReason },
      // NOTE: neither the address nor the user agent is kept: only the address's country and the agent's class.
      ...{ user_agent_class: deviceOf(hit.userAgent).type, country: hit.country },
      ...{ redirect_url_id: target.id, url: target.destination },
    },
  };
}

/** Records the hit like a click: machine traffic labelled, never waiting on Kafka (the sink spools). */
function clickRecorder(deps: IngestDeps) {
  const networks = parseCidrs(deps.config.scannerNetworks);
  return (request: FastifyRequest, target: RedirectTarget): void => {
    const ip = request.ip;
    // sentAt 0: nothing was sent, so no hit is "too soon after the send"
    const hit = { method: request.method, headers: request.headers, ip, sentAt: 0, nowMs: Date.now() };
    const reason = machineReason(hit, networks, deps.config.machineWindowSeconds);
    deps.metrics.trackingHits.inc('redirect_clicked', reason === null ? 'false' : 'true', reason ?? 'human');
    const event = redirectClickedEvent(target, {
      machineReason: reason,
      userAgent: request.headers['user-agent']?.slice(0, 512),
      country: deps.countryOf(ip),
    });
    deps.sink.publishEvent(event).catch((error: Error) => deps.log.error({ err: error }, 'event_lost'));
  };
}

/**
 * The redirect: 302 to the destination stored for the code and nothing else; the request's own query string is not
 * carried over. An unknown, malformed or disabled code is a 404 that records nothing.
 * NOTE: one bad-code budget per client address (CAIRN_INGEST_BAD_TOKENS_PER_IP per 10 minutes, as for tokens): an
 * address that keeps guessing codes is refused with 429 until its window ends.
 */
export async function registerRedirectRoutes(app: FastifyInstance, deps: IngestDeps): Promise<void> {
  const resolver = new RedirectResolver(deps.pool, {
    maxEntries: deps.config.linkCacheSize,
    ttlMs: deps.config.redirectCacheTtlMs,
  });
  const badCodes = new WindowCounter(deps.config.badTokensPerIp, BAD_CODE_WINDOW_MS);
  const record = clickRecorder(deps);
  const answer = (request: RedirectRequest, reply: FastifyReply, target: RedirectTarget | null): FastifyReply => {
    if (!target) {
      badCodes.take(request.ip);
      return notFound(reply);
    }
    record(request, target);
    // no-referrer: the destination learns neither the code nor the page the visitor came from
    return reply.headers({ ...NO_CACHE, 'referrer-policy': 'no-referrer' }).redirect(target.destination, 302);
  };
  app.get(REDIRECT_ROUTE, (request: RedirectRequest, reply: FastifyReply) => {
    if (badCodes.exhausted(request.ip))
      return tooManyRequests(reply, badCodes.retryAfterSeconds(request.ip))
        .type('text/plain')
        .send('too many bad codes');
    const { code } = request.params;
    if (!isRedirectCode(code)) return answer(request, reply, null);
    const cached = resolver.cached(code);
    if (cached !== undefined) return answer(request, reply, cached);
    return resolver.resolve(code).then(
      (target) => answer(request, reply, target),
      (error: Error) => {
        deps.log.warn({ err: error }, 'redirect_lookup_failed');
        return notFound(reply);
      },
    );
  });
}
