import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EmailEvent } from '../../lib/contracts/events/event-types';
import { topicForEvent } from '../../lib/contracts/events/event-topics';
import type { TrackingToken } from '../../lib/contracts/tracking/tracking-token';
import type { AccessLog } from './access-log';
import type { IngestDeps } from './ingest-deps';
import { emailContext } from './event-factory';
import { landingLinks } from './forms/landing-link';
import type { EmailLink } from './links.repository';
import { machineReason, parseCidrs } from './machine-traffic';
import { isToken, notFound, type TokenGuard } from './token-guard';
import { type TrackedEvent, TrackedEventEncoder } from './tracked-event-encoder';
import { withWebToken } from './web/web-links';
import type { WebsiteDirectory } from './web/website-directory';

/** The 43-byte transparent 1×1 GIF. */
export const PIXEL_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

export const NO_CACHE = {
  'cache-control': 'no-store, no-cache, must-revalidate, private, max-age=0',
  pragma: 'no-cache',
  expires: '0',
};

type TokenRequest = FastifyRequest<{ Params: { token: string } }>;
type TokenHandler = (request: TokenRequest, reply: FastifyReply) => FastifyReply | Promise<FastifyReply>;

/** The pixel and redirect routes: they count their own answers (AccessLog.hit), with no onResponse hook. */
export const TRACKING_ROUTES = { open: '/o/:token', click: '/c/:token', attachment: '/a/:token' } as const;

/** What every tracking route shares, made once when the routes are registered: no closure (nor promise) per hit. */
interface TrackingKit {
  deps: IngestDeps;
  guard: TokenGuard;
  /** Counts each answer (the status is set by the time the handler returns or its promise settles). */
  counted: (route: string, handler: TokenHandler) => TokenHandler;
  /** The machine-traffic reason, null for a person. `ip` is request.ip, read once per hit (behind a proxy, each read parses X-Forwarded-For). */
  machine: (request: FastifyRequest, ip: string, token: TrackingToken, type: string) => string | null;
  /** The pixel and redirect never wait on Kafka: the sink spools if Kafka cannot take the event. */
  record: (event: TrackedEvent) => void;
  /** Whether the hit is served without being recorded (counted in cairn_ingest_unfollowed_hits_total). */
  unfollowed: (token: TrackingToken, type: string) => boolean;
  /** A landing-page link's destination with its `cairn_landing` token; any other destination unchanged. */
  landing: (destination: string, token: TrackingToken) => string;
  /** the registered websites, whose pages a followed click's redirect carries a `cairn_wt` token to */
  websites: WebsiteDirectory;
}

/** Opens, clicks and attachment follows: answered at once, the event is produced in the background. */
export async function registerTrackingRoutes(
  app: FastifyInstance,
  {
    deps,
    access,
    guard,
    websites,
  }: { deps: IngestDeps; access: AccessLog; guard: TokenGuard; websites: WebsiteDirectory },
): Promise<void> {
  const kit: TrackingKit = {
    deps,
    guard,
    counted: countedIn(access),
    machine: machineTraffic(deps),
    record: eventRecorder(deps),
    unfollowed: unfollowedIn(deps),
    landing: landingLinks(deps.config.publicUrl, deps.tokens),
    websites,
  };
  registerOpen(app, kit);
  registerFollow(app, kit, TRACKING_ROUTES.click, 'link');
  registerFollow(app, kit, TRACKING_ROUTES.attachment, 'attachment');
}

function countedIn(access: AccessLog): TrackingKit['counted'] {
  return (route, handler) => (request, reply) => {
    const answer = handler(request, reply);
    if (!(answer instanceof Promise)) {
      access.hit(route, request, reply, reply.statusCode);
      return answer;
    }
    return answer.then((answered) => {
      access.hit(route, request, reply, reply.statusCode);
      return answered;
    });
  };
}

function machineTraffic(deps: IngestDeps): TrackingKit['machine'] {
  const networks = parseCidrs(deps.config.scannerNetworks);
  return (request, ip, token, type) => {
    const reason = machineReason(
      { method: request.method, headers: request.headers, ip, sentAt: token.sentAt, nowMs: Date.now() },
      networks,
      deps.config.machineWindowSeconds,
    );
    deps.metrics.trackingHits.inc(type, reason === null ? 'false' : 'true', reason ?? 'human');
    return reason;
  };
}

function eventRecorder(deps: IngestDeps): TrackingKit['record'] {
  const encoder = new TrackedEventEncoder(deps.codec);
  // One handler per event type, made once: no closure (nor promise) per hit.
  const lostHandler = (type: TrackedEvent['type']) => (error?: Error) => {
    if (error) deps.log.error({ err: error, type }, 'event_lost');
  };
  const lost = { open: lostHandler('open'), click: lostHandler('click') };
  return (event) => {
    let value: Buffer;
    try {
      value = encoder.encode(event);
    } catch (error) {
      return lost[event.type](error as Error);
    }
    deps.sink.deliver(
      { topic: topicForEvent(deps.topics, event.type), key: event.data.contact_id, value },
      lost[event.type],
    );
  };
}

/**
 * NOTE: nothing is recorded of a Do Not Allow contact's engagement, nor of a one-to-one message's in a workspace
 * that switched following off (following-policy.ts): hits on messages tracked before are served and counted
 * (cairn_ingest_unfollowed_hits_total), never turned into events.
 */
function unfollowedIn(deps: IngestDeps): TrackingKit['unfollowed'] {
  return (token, type) => {
    if (deps.following.follows(token)) return false;
    deps.metrics.unfollowedHits.inc(type);
    return true;
  };
}

const gif = (reply: FastifyReply): FastifyReply => reply.headers(NO_CACHE).type('image/gif').send(PIXEL_GIF);
const redirectTo = (reply: FastifyReply, destination: string): FastifyReply =>
  reply.headers(NO_CACHE).redirect(destination, 302);

/** The open pixel: a GIF for every good token of a known email version; an open event unless not followed. */
function registerOpen(app: FastifyInstance, { deps, guard, counted, machine, record, unfollowed }: TrackingKit): void {
  const pixel = (request: TokenRequest, reply: FastifyReply, token: TrackingToken, owned: boolean): FastifyReply => {
    if (!owned) return notFound(reply);
    if (unfollowed(token, 'open')) return gif(reply);
    const ip = request.ip;
    const reason = machine(request, ip, token, 'open');
    // Fields set on the context object itself: no per-hit spread copy.
    const data = emailContext(token, reason !== null) as EmailEvent<'open'>['data'];
    data.machine_reason = reason;
    data.user_agent = request.headers['user-agent']?.slice(0, 512) ?? null;
    // NOTE: the address itself goes nowhere: only its country is recorded (never the address, in events or logs).
    data.country = deps.countryOf(ip);
    record({ type: 'open', data });
    return gif(reply);
  };

  // Not async: a known email version answers in the same tick; only a cache miss waits on PostgreSQL.
  app.get(
    TRACKING_ROUTES.open,
    counted(TRACKING_ROUTES.open, (request, reply) => {
      const raw = request.params.token;
      const token = guard.verify(request, reply, raw.endsWith('.gif') ? raw.slice(0, -4) : raw, 'open');
      if (!isToken(token)) return token;
      const owned = deps.links.ownsCached(token);
      if (owned !== undefined) return pixel(request, reply, token, owned);
      return deps.links.owns(token).then(
        (known) => pixel(request, reply, token, known),
        (error: Error) => {
          deps.log.warn({ err: error }, 'email_lookup_failed');
          return notFound(reply);
        },
      );
    }),
  );
}

/** A click (kind link) or an attachment follow: a redirect to the link's destination and a click event. */
function registerFollow(app: FastifyInstance, kit: TrackingKit, route: string, kind: 'link' | 'attachment'): void {
  const { deps, guard, counted } = kit;
  const redirect = followRedirect(kit);
  // Not async: a cached link answers in the same tick; only a cache miss waits on PostgreSQL.
  const follow = (request: TokenRequest, reply: FastifyReply) => {
    const token = guard.verify(request, reply, request.params.token, kind === 'attachment' ? 'attachment' : 'click');
    if (!isToken(token)) return token;
    if (!token.linkId) return notFound(reply);
    const cached = deps.links.cached(token);
    if (cached !== undefined) return redirect(request, reply, token, kind, cached);
    return deps.links.resolve(token).then(
      (link) => redirect(request, reply, token, kind, link),
      (error: Error) => {
        deps.log.warn({ err: error }, 'link_lookup_failed');
        return notFound(reply);
      },
    );
  };
  app.get(route, counted(route, follow));
}

/** The answer to a follow once its link is known: 404 unless it is a link of the route's kind. */
function followRedirect({ deps, machine, record, unfollowed, landing, websites }: TrackingKit) {
  /**
   * A link to one of the workspace's registered websites carries the message's context on to the site
   * (docs/web-tracking.md#identity); the workspace's origins are held for a while, so most redirects answer at once.
   */
  const toWebsite = (reply: FastifyReply, destination: string, token: TrackingToken) => {
    const origins = websites.originsCached(token.workspaceId);
    if (origins !== undefined) return redirectTo(reply, withWebToken(deps.tokens, destination, token, origins));
    return websites.origins(token.workspaceId).then(
      (known) => redirectTo(reply, withWebToken(deps.tokens, destination, token, known)),
      (error: Error) => {
        deps.log.warn({ err: error }, 'website_lookup_failed');
        return redirectTo(reply, destination);
      },
    );
  };
  return (
    request: TokenRequest,
    reply: FastifyReply,
    token: TrackingToken,
    kind: 'link' | 'attachment',
    link: EmailLink | null,
  ) => {
    const destination = link && (link.kind === 'attachment') === (kind === 'attachment') ? link.destination : null;
    if (!destination || !token.linkId) return notFound(reply);
    const type = kind === 'attachment' ? 'attachment' : 'click';
    if (unfollowed(token, type)) return redirectTo(reply, destination);
    const ip = request.ip;
    const reason = machine(request, ip, token, type);
    const data = emailContext(token, reason !== null) as EmailEvent<'click'>['data'];
    data.link_id = token.linkId;
    data.url = destination;
    data.link_kind = kind;
    data.machine_reason = reason;
    data.user_agent = request.headers['user-agent']?.slice(0, 512) ?? null;
    data.country = deps.countryOf(ip);
    record({ type: 'click', data });
    // Only a followed contact's visit carries the message's context on to the page (docs/pages-and-forms.md#landing-page-links).
    if (kind !== 'link') return redirectTo(reply, destination);
    const landed = landing(destination, token);
    return landed === destination ? toWebsite(reply, destination, token) : redirectTo(reply, landed);
  };
}
