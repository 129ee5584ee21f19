import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { emailHeatmap } from '../insights/email-heatmap';
import { topLinks } from '../insights/insights-queries';
import type { ApiDeps } from '../api-deps';
import { workspaceOf } from '../api-auth';
import { ApiProblem, notFound } from '../api-problem';
import { idParams } from '../resource-routes';
import { emailFilterOf } from './insights.routes';
import { emailQuery, tags } from './insights.schemas';

/**
 * The Links tab's heat map (docs/api.md#insights-pages-ui). The page cannot send its API key with a frame's
 * request, so the keyed call builds the heat-map copy and parks it in Redis under a random 192-bit ticket for
 * TICKET_SECONDS; the frame loads /ui/frames/heatmap/<ticket>, which answers the copy with a policy of its own:
 * no script at all, sandboxed (an opaque origin: it cannot reach the page that frames it), only this origin may
 * frame it, inline styles (the email's own) and https/data images allowed, nothing else fetched.
 */
const TICKET_SECONDS = 300;
const TICKET = '^[A-Za-z0-9_-]{32}$';
const key = (ticket: string) => `cairn:ui:heatmap:${ticket}`;

export const HEATMAP_FRAME_POLICY = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  'img-src https: data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'self'",
  'sandbox',
].join('; ');

const FRAME_HEADERS = {
  'content-security-policy': HEATMAP_FRAME_POLICY,
  'x-frame-options': 'SAMEORIGIN',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

const heatLink = {
  type: 'object',
  properties: {
    linkId: { type: 'string' },
    url: { type: 'string' },
    totalClicks: { type: 'integer' },
    uniqueClicks: { type: 'integer' },
    clickThroughRate: { type: 'number' },
    heat: { type: 'integer', minimum: 0, maximum: 5, description: 'click-through rate by fifths: 0 none, 5 hottest' },
  },
} as const;
const heatmapResponse = {
  type: 'object',
  properties: {
    version: { type: 'integer' },
    frame_url: { type: 'string', description: 'the heat-map copy, for a sandboxed frame; valid for 300 seconds' },
    expires_in: { type: 'integer' },
    links: { type: 'array', items: heatLink, description: 'every tracked link of the version, in message order' },
  },
} as const;

export async function heatmapRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { pool, clickhouse, redis } = deps;
  app.withTypeProvider<JsonSchemaToTsProvider>().get(
    '/v1/insights/emails/:id/heatmap',
    {
      schema: {
        tags,
        summary:
          "Links heat map: an email version's frozen HTML (default: the live version) with each link's click-through rate drawn next to it, as a frame URL",
        params: idParams,
        querystring: emailQuery,
        response: { 200: heatmapResponse },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      const filter = await emailFilterOf(pool, workspaceId, req.params.id, req.query);
      const { rows } = await pool.query<{ version: number; compiled_html: string }>(
        `SELECT v.version, v.compiled_html FROM email_versions v JOIN emails e ON e.id = v.email_id AND e.workspace_id = v.workspace_id
         WHERE v.workspace_id = $1 AND v.email_id = $2 AND v.version = COALESCE($3::int, e.live_version)`,
        [workspaceId, req.params.id, req.query.version ?? null],
      );
      const row = rows[0];
      if (!row) throw notFound('email version');
      const clicks = await topLinks(clickhouse, { ...filter, limit: 1000 });
      const heatmap = emailHeatmap(row.compiled_html, clicks);
      const ticket = randomBytes(24).toString('base64url');
      await redis.set(key(ticket), heatmap.html, 'EX', TICKET_SECONDS);
      return {
        version: row.version,
        frame_url: `/ui/frames/heatmap/${ticket}`,
        expires_in: TICKET_SECONDS,
        links: heatmap.links,
      };
    },
  );
  app.withTypeProvider<JsonSchemaToTsProvider>().get(
    '/ui/frames/heatmap/:ticket',
    {
      schema: {
        hide: true,
        params: { type: 'object', required: ['ticket'], properties: { ticket: { type: 'string', pattern: TICKET } } },
      },
      config: { public: true },
    },
    async (req, reply) => {
      const html = await redis.get(key(req.params.ticket));
      if (html === null) throw new ApiProblem(404, 'this heat map has expired: reload the email page');
      return reply.headers(FRAME_HEADERS).type('text/html; charset=utf-8').send(html);
    },
  );
}
