import type { FastifyInstance } from 'fastify';
import { ApiProblem } from '../api-problem';
import type { UiAssets } from '../ui-assets';

/**
 * The insights pages at /ui (docs/api.md#insights-pages-ui): static files, the same index.html for every page
 * path, and the data from the /v1 insights endpoints, which the pages call with the API key. No inline script or
 * style is allowed, nothing but this origin is reachable, and no other site may frame the pages.
 */
export const UI_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  // the Links heat map only (heatmap.routes.ts): a sandboxed frame of this origin, with its own stricter policy
  "frame-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': UI_CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

export async function uiRoutes(
  app: FastifyInstance,
  { loadAssets }: { loadAssets: () => Promise<UiAssets> },
): Promise<void> {
  // Not /v1: no key needed for the files themselves (they hold no data); hidden from the OpenAPI document.
  const options = { schema: { hide: true }, config: { public: true } };
  app.get('/ui', options, async (_req, reply) => reply.redirect('/ui/'));
  app.get<{ Params: { '*': string } }>('/ui/*', options, async (req, reply) => {
    const path = req.params['*'];
    const assets = await loadAssets().catch((error: unknown) => {
      // the reason (a missing build, a bundler error) goes to the log, not to the browser
      req.log.error({ err: error }, 'ui_assets_unavailable');
      throw new ApiProblem(503, 'the insights pages are not built: run npm run build (the API log has the reason)');
    });
    // Every page path gets index.html (the script picks the page); assets must exist.
    const asset = path.startsWith('assets/') ? assets.get(path) : assets.get('index.html');
    if (!asset) throw new ApiProblem(404, `no such file: /ui/${path}`);
    void reply
      .headers(SECURITY_HEADERS)
      .header('content-type', asset.contentType)
      .header('etag', asset.etag)
      .header('cache-control', 'no-cache');
    if (req.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    return reply.send(asset.body);
  });
}
