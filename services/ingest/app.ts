import Fastify, { type FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import type { EventCodec } from '../../lib/events/event-codec';
import type { Topics } from '../../lib/kafka/topics';
import type { Logger } from '../../lib/logger';
import type { TrackingTokenCodec } from '../../lib/tracking/tracking-token';
import { registerBatchRoutes } from './batch.routes';
import type { EventSink } from './event-sink';
import type { IngestConfig } from './ingest.config';
import { BoundCounter, type IngestMetrics } from './ingest.metrics';
import type { LinkResolver } from './links.repository';
import { registerRecipientRoutes } from './recipient.routes';
import { registerTrackingRoutes } from './tracking.routes';
import { registerWebhookRoutes } from './webhooks.routes';

export interface IngestDeps {
  config: IngestConfig;
  log: Logger;
  pool: Pool;
  sink: EventSink;
  tokens: TrackingTokenCodec;
  topics: Topics;
  codec: EventCodec;
  links: LinkResolver;
  metrics: IngestMetrics;
}

const TRACKING_ROUTES = new Set(['/o/:token', '/c/:token', '/a/:token']);

/** Builds the HTTP app without listening, so tests can inject or listen on an ephemeral port. */
export function buildIngestApp(deps: IngestDeps): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: deps.config.bodyLimit,
    trustProxy: deps.config.trustProxy,
    routerOptions: { maxParamLength: 1000 },
    return503OnClosing: true,
  });
  // Routes read bodies as text and parse them themselves: NDJSON, raw RFC 3464/5965 messages, forms.
  // The body limit still applies while reading, so oversized bodies get 413 before any parsing.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  const access = deps.log.child({ component: 'access' });
  const sample = Math.max(1, deps.config.accessLogSample);
  let hits = 0;
  const requests = new BoundCounter(deps.metrics.httpRequests);
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    requests.inc(route, request.method, String(status));
    // Successful pixel/redirect hits are sampled (a log line costs a quarter of a hit's CPU; /metrics counts
    // them all); everything else is logged. Route patterns only: tokens identify recipients.
    const every = status < 400 && TRACKING_ROUTES.has(route) ? sample : 1;
    if (deps.config.accessLog && (every === 1 || ++hits % every === 0)) {
      access.info({ method: request.method, route, status, ms: Math.round(reply.elapsedTime * 10) / 10, sample: every }, 'http_access');
    }
    done();
  });
  app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) deps.log.error({ err: error }, 'request_failed');
    return reply.code(status).send({ error: status >= 500 ? 'internal error' : error.message });
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  /** Degraded (still 200) while spooling: the instance keeps answering recipients and nothing is lost. */
  app.get('/readyz', async () => ({
    status: deps.sink.spooling ? 'degraded' : 'ok',
    spooling: deps.sink.spooling,
    spool_depth: deps.sink.spoolDepth,
  }));
  app.get('/metrics', async (_request, reply) =>
    reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()),
  );

  registerTrackingRoutes(app, deps);
  registerRecipientRoutes(app, deps);
  registerWebhookRoutes(app, deps);
  registerBatchRoutes(app, deps);
  return app;
}
