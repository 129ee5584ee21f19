import Fastify, { type FastifyInstance } from 'fastify';
import { parseTrackingKeys } from '../../lib/contracts/tracking/tracking-token';
import { registerBatchRoutes } from './batch.routes';
import { FormTicketCodec } from './forms/form-ticket';
import { registerEmbedRoutes } from './forms/embed.routes';
import { registerPageRoutes } from './forms/page.routes';
import { registerSubmitRoutes } from './forms/submit.routes';
import type { IngestConfig } from './ingest.config';
import type { IngestDeps } from './ingest-deps';
import { AccessLog } from './access-log';
import { registerRecipientRoutes } from './recipient.routes';
import { registerRedirectRoutes } from './redirect.routes';
import { registerConfirmRoutes } from './forms/confirm.routes';
import { TokenGuard } from './token-guard';
import { registerTrackingRoutes, TRACKING_ROUTES } from './tracking.routes';
import { registerWebhookRoutes } from './webhooks.routes';
import { registerWebRoutes } from './web/web.routes';
import { WebsiteDirectory } from './web/website-directory';

const TRACKING_PATTERNS = new Set<string>(Object.values(TRACKING_ROUTES));

/**
 * NOTE: every connection is bounded in time, so a client cannot hold one (and its memory) open by sending slowly:
 * headers within headersTimeoutMs (slowloris), the whole request within requestTimeoutMs (408, then closed), no
 * connection idle longer than idleTimeoutMs, keep-alive for keepAliveTimeoutMs. Node checks the first two on a
 * timer (connectionsCheckingInterval, 30 s by default), run here at a quarter of the shorter, at most every second.
 */
export function serverTimeouts(
  config: Pick<IngestConfig, 'headersTimeoutMs' | 'requestTimeoutMs' | 'idleTimeoutMs' | 'keepAliveTimeoutMs'>,
) {
  const requestTimeout = Math.max(1, config.requestTimeoutMs);
  // Node refuses a headers timeout above the request timeout.
  const headersTimeout = Math.max(1, Math.min(config.headersTimeoutMs, requestTimeout));
  return {
    connectionTimeout: Math.max(1, config.idleTimeoutMs),
    requestTimeout,
    keepAliveTimeout: Math.max(1, config.keepAliveTimeoutMs),
    http: {
      headersTimeout,
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headersTimeout / 4))),
    },
  };
}

/** Builds the HTTP app without listening, so tests can inject or listen on an ephemeral port. */
export function buildIngestApp(deps: IngestDeps): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: deps.config.bodyLimit,
    trustProxy: deps.config.trustProxy,
    routerOptions: { maxParamLength: 1000 },
    return503OnClosing: true,
    ...serverTimeouts(deps.config),
  });
  // Routes read bodies as text and parse them themselves: NDJSON, raw RFC 3464/5965 messages, forms.
  // The body limit still applies while reading, so oversized bodies get 413 before any parsing.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  const access = new AccessLog(
    deps.log.child({ component: 'access' }),
    deps.metrics.httpRequests,
    deps.config.accessLog,
    deps.config.accessLogSample,
  );
  app.addHook('onRoute', (route) => {
    if (TRACKING_PATTERNS.has(route.url)) return;
    const hooks = route.onResponse ?? [];
    route.onResponse = [...(Array.isArray(hooks) ? hooks : [hooks]), access.hook(route.url)];
  });
  app.setNotFoundHandler((request, reply) => {
    access.hit('unmatched', request, reply, 404);
    // NOTE: never echo the URL: paths carry tokens that identify recipients (e.g. an unknown method on /c/<token>).
    return reply.code(404).send({ error: 'Not Found', statusCode: 404 });
  });
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) deps.log.error({ err: error }, 'request_failed');
    // The other routes count this in their onResponse hook.
    const route = request.routeOptions.url;
    if (route && TRACKING_PATTERNS.has(route)) access.hit(route, request, reply, status);
    return reply.code(status).send({ error: status >= 500 ? 'internal error' : error.message });
  });

  registerHealth(app, deps);
  const guard = new TokenGuard(deps.tokens, deps.config.badTokensPerIp);
  const websites = new WebsiteDirectory(deps.pool);
  // Each route module is a plugin (loaded when the app listens or is made ready); it inherits the parser, hooks
  // and handlers above from the root.
  app.register(registerTrackingRoutes, { deps, access, guard, websites });
  app.register(registerRecipientRoutes, { deps, guard });
  app.register(registerConfirmRoutes, { deps, guard });
  app.register(registerWebhookRoutes, deps);
  app.register(registerBatchRoutes, deps);
  app.register(registerRedirectRoutes, deps);
  registerPagesAndForms(app, deps, websites);
  app.register(registerWebRoutes, { deps, websites });
  return app;
}

function registerHealth(app: FastifyInstance, deps: IngestDeps): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  /** Degraded (still 200) while spooling: the instance keeps answering recipients and nothing is lost. */
  app.get('/readyz', async () => ({
    status: deps.sink.spooling ? 'degraded' : 'ok',
    spooling: deps.sink.spooling,
    spool_depth: deps.sink.spoolDepth,
  }));
  // NOTE: no /metrics here: it has its own listener (CAIRN_INGEST_METRICS_HOST/PORT, loopback by default).
}

/** Marketing pages and forms (docs/pages-and-forms.md), their tickets signed with keys derived from the tracking keys. */
function registerPagesAndForms(app: FastifyInstance, deps: IngestDeps, websites: WebsiteDirectory): void {
  const tickets = new FormTicketCodec(parseTrackingKeys(deps.config.trackingKeys), deps.config.trackingActiveKey);
  app.register(registerPageRoutes, { deps, tickets });
  app.register(registerSubmitRoutes, { deps, tickets, websites });
  app.register(registerEmbedRoutes, { deps, tickets });
}
