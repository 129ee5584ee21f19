import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { egressPolicyOf } from '../../lib/platform/egress/egress-policy';
import { isEmailAddress } from '../../lib/domain/email/email-address';
import type { ApiConfig } from './api.config';
import type { ApiDeps } from './api-deps';
import { installAuth } from './api-auth';
import { AuthFailures, installAuthFailureLimit } from './auth-failures';
import { installProblemHandlers, problemBody, problemSchema } from './api-problem';
import { contactImportRoutes, streamImportBodies } from './routes/contact-import.routes';
import { contactRoutes } from './routes/contacts.routes';
import { contentSettingsRoutes } from './routes/content-settings.routes';
import { emailRoutes } from './routes/emails.routes';
import { erasureRoutes } from './routes/erasure.routes';
import { formRoutes, pageRoutes } from './routes/forms.routes';
import { insightsRoutes } from './routes/insights.routes';
import { journeyControlsRoutes } from './routes/journey-controls.routes';
import { journeyGoalRoutes } from './routes/journey-goal.routes';
import { journeyHoldoutRoutes } from './routes/journey-holdout.routes';
import { journeyAbRoutes } from './routes/journey-ab.routes';
import { journeySendTimeRoutes } from './routes/journey-send-time.routes';
import { interactionsRoutes } from './routes/interactions.routes';
import { pageFormInsightsRoutes } from './routes/page-form-insights.routes';
import { redirectUrlInsightsRoutes } from './routes/redirect-url-insights.routes';
import { redirectUrlRoutes } from './routes/redirect-urls.routes';
import { tileContactsRoutes } from './routes/tile-contacts.routes';
import { scoringModelRoutes } from './routes/scoring-models.routes';
import { scoringInsightsRoutes } from './routes/scoring-insights.routes';
import { templateRoutes } from './routes/templates.routes';
import { journeyRoutes } from './routes/journeys.routes';
import { listRoutes } from './routes/lists.routes';
import { activityRoutes } from './routes/activity.routes';
import { userRoutes } from './routes/users.routes';
import { segmentRoutes } from './routes/segments.routes';
import { segmentInsightsRoutes } from './routes/segment-insights.routes';
import { sendingDomainRoutes } from './routes/sending-domains.routes';
import { sendingRouteRoutes } from './routes/sending-routes.routes';
import { heatmapRoutes } from './routes/heatmap.routes';
import { uiRoutes } from './routes/ui.routes';
import { uiAssetLoader } from './ui-assets';
import { workspaceRoutes } from './routes/workspaces.routes';
import { websiteRoutes } from './routes/websites.routes';
import { websiteInsightsRoutes } from './routes/website-insights.routes';
import { engagementFollowupRoutes } from './routes/engagement-followups.routes';
import { engagementMessageRoutes } from './routes/engagement-messages.routes';
import { engagementTemplateRoutes } from './routes/engagement-templates.routes';

declare module 'fastify' {
  interface FastifyInstance {
    /** every documented route (method, url), collected as routes register; the docs test compares it to /docs/json */
    routeTable: Array<{ method: string; url: string }>;
  }
}

/**
 * A client that sends slowly (or not at all) holds a socket, not the event loop: headers and whole requests
 * have deadlines (Node answers 408 and closes), idle and keep-alive sockets are closed (docs/security.md).
 * Node checks the two deadlines every connectionsCheckingInterval (30 s by default): a quarter of the shorter.
 */
function serverTimeouts(config: ApiConfig) {
  const headersTimeout = Math.min(config.headersTimeoutMs, config.requestTimeoutMs);
  return {
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.connectionTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    http: {
      headersTimeout,
      connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(headersTimeout / 4))),
    },
  };
}

/** Builds the API without listening, so tests drive it with app.inject() or a real port alike. */
export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const app = createServer(deps);
  await registerDocs(app, deps);
  await installGuards(app, deps);
  app.get('/healthz', { config: { public: true }, schema: { hide: true } }, async () => ({ ok: true }));
  // On the whole app, as before the routes became plugins: a CSV or NDJSON body sent to another route keeps its 400.
  streamImportBodies(app);
  await registerRoutes(app, deps);
  return app;
}

/** The fastify server, the table of documented routes, and the problem-details schema and handlers. */
function createServer(deps: ApiDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    bodyLimit: deps.config.bodyLimitBytes,
    trustProxy: deps.config.trustProxy,
    ...serverTimeouts(deps.config),
    // `mailbox`: every address the API stores is checked by Cairn's one validator (lib/domain/email/email-address.ts)
    ajv: {
      customOptions: {
        removeAdditional: false,
        allErrors: true,
        coerceTypes: 'array',
        useDefaults: true,
        formats: { mailbox: { type: 'string', validate: isEmailAddress } },
      },
    },
  });
  app.decorate('routeTable', []);
  app.addHook('onRoute', (route) => {
    if ((route.schema as { hide?: boolean } | undefined)?.hide || route.url.startsWith('/docs')) return;
    for (const method of [route.method].flat()) if (method !== 'HEAD') app.routeTable.push({ method, url: route.url });
  });
  app.addSchema(problemSchema);
  installProblemHandlers(app);
  return app;
}

/** The OpenAPI document, served with the Swagger UI at /docs (or only as /docs/json). */
async function registerDocs(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Cairn marketing ops API',
        version: '1.0.0',
        description:
          'Workspaces, contacts, lists, segments, content settings, emails, journeys. Errors are problem details (RFC 9457).',
      },
      components: {
        securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'cairn_<id>_<secret>' } },
      },
      security: [{ apiKey: [] }],
    },
  });
  if (deps.docsUi === false)
    app.get('/docs/json', { schema: { hide: true }, config: { public: true } }, async () => app.swagger());
  else await app.register(swaggerUi, { routePrefix: '/docs' });
}

/** Who may call and how often: the failed-credential limit per address, the key check, the rate limit per key. */
async function installGuards(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  // before installAuth: its onRequest hook must not see a credential from an address over its failure limit
  const failurePolicy = {
    limit: deps.config.authFailuresPerAddress,
    windowSeconds: deps.config.authFailureWindowSeconds,
  };
  installAuthFailureLimit(app, new AuthFailures(deps.redis, deps.config.queuePrefix, failurePolicy, deps.log));
  installAuth(app, deps.pool, deps.config.adminToken);
  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    max: deps.config.rateLimitPerMinute,
    timeWindow: '1 minute',
    redis: deps.redis,
    // Under the shared key prefix, so every API process of one deployment counts together (and another
    // deployment or test run on the same Redis does not).
    nameSpace: `${deps.config.queuePrefix}:api-rate:`,
    // A Redis outage should not take the API down with it: requests pass unlimited until Redis is back.
    skipOnError: true,
    keyGenerator: (req) => req.principal?.keyId ?? req.ip,
    errorResponseBuilder: (_req, context) => ({
      statusCode: 429,
      ...problemBody(429, `rate limit of ${context.max} requests per minute exceeded; retry in ${context.after}`),
    }),
  });
}

/**
 * Each route module is a plugin with its schemas beside it; the hooks, error handlers and shared schemas installed
 * before are the root's, so every plugin inherits them.
 */
async function registerRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { pool } = deps;
  await app.register(workspaceRoutes, { pool });
  await app.register(sendingDomainRoutes, { pool, config: deps.config });
  await app.register(sendingRouteRoutes, { pool, config: deps.config });
  await app.register(contactRoutes, { pool });
  await app.register(contactImportRoutes, { pool, config: deps.config });
  await app.register(erasureRoutes, {
    config: deps.config,
    pool,
    clickhouse: deps.clickhouseErasure ?? deps.clickhouse,
  });
  await app.register(listRoutes, { pool });
  await app.register(contentSettingsRoutes, { pool });
  await app.register(emailRoutes, deps);
  await app.register(formRoutes, deps);
  await app.register(pageRoutes, deps);
  await app.register(redirectUrlRoutes, deps);
  await app.register(scoringModelRoutes, deps);
  await app.register(segmentRoutes, deps);
  await app.register(journeyRoutes, { pool, egress: egressPolicyOf(deps.config) });
  await app.register(templateRoutes, { pool });
  await app.register(userRoutes, { pool });
  await app.register(activityRoutes, { pool });
  await app.register(insightsRoutes, deps);
  await app.register(journeyGoalRoutes, deps);
  await app.register(journeyHoldoutRoutes, deps);
  await app.register(journeyControlsRoutes, deps);
  await app.register(journeyAbRoutes, deps);
  await app.register(journeySendTimeRoutes, deps);
  await app.register(interactionsRoutes, deps);
  await app.register(pageFormInsightsRoutes, deps);
  await app.register(segmentInsightsRoutes, deps);
  await app.register(redirectUrlInsightsRoutes, deps);
  await app.register(websiteRoutes, deps);
  await app.register(websiteInsightsRoutes, deps);
  await app.register(tileContactsRoutes, deps);
  await app.register(scoringInsightsRoutes, deps);
  await app.register(engagementMessageRoutes, deps);
  await app.register(engagementTemplateRoutes, deps);
  await app.register(engagementFollowupRoutes, deps);
  await app.register(heatmapRoutes, deps);
  await app.register(uiRoutes, { loadAssets: deps.uiAssets ?? uiAssetLoader() });
}
