import type { FastifyInstance } from 'fastify';
import type { FromSchema } from 'json-schema-to-ts';
import type { ApiDeps } from '../api-deps';
import { workspaceOf } from '../api-auth';
import { ApiProblem } from '../api-problem';
import { noContent, pageSchema } from '../pagination';
import { idParams } from '../resource-routes';
import {
  destinationOf,
  insertRedirect,
  listRedirects,
  readRedirect,
  redirectView,
  updateRedirect,
} from '../redirect-url.store';
import { createBody, listQuery, patchBody, redirectItem } from './redirect-urls.schemas';

/** Redirect URLs (docs/api.md#redirect-urls, docs/redirect-urls.md): a short tracked URL on ingest for a destination. */

const tags = ['redirect-urls'];
type Id = { id: string };

export async function redirectUrlRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { pool } = deps;
  const publicUrl = deps.config.ingestPublicUrl;
  app.post<{ Body: FromSchema<typeof createBody> }>(
    '/v1/redirect-urls',
    { schema: { tags, summary: 'Create a redirect URL', body: createBody, response: { 201: redirectItem } } },
    async (req, reply) => {
      const destination = destinationOf(req.body.destination, publicUrl);
      const row = await insertRedirect(pool, workspaceOf(req), { name: req.body.name, destination });
      return reply.code(201).send(redirectView(row, publicUrl));
    },
  );
  app.get<{ Querystring: FromSchema<typeof listQuery> }>(
    '/v1/redirect-urls',
    {
      schema: {
        tags,
        summary: 'List redirect URLs',
        querystring: listQuery,
        response: { 200: pageSchema(redirectItem) },
      },
    },
    async (req) => {
      const page = await listRedirects(pool, workspaceOf(req), req.query);
      return { items: page.items.map((row) => redirectView(row, publicUrl)), next_cursor: page.next_cursor };
    },
  );
  app.get<{ Params: Id }>(
    '/v1/redirect-urls/:id',
    { schema: { tags, summary: 'Get a redirect URL', params: idParams, response: { 200: redirectItem } } },
    async (req) => redirectView(await readRedirect(pool, workspaceOf(req), req.params.id), publicUrl),
  );
  changeRoutes(app, deps);
}

/** What may change after creation: the name and whether the code still redirects. */
function changeRoutes(app: FastifyInstance, { pool, config }: ApiDeps): void {
  const publicUrl = config.ingestPublicUrl;
  app.patch<{ Params: Id; Body: FromSchema<typeof patchBody> }>(
    '/v1/redirect-urls/:id',
    {
      schema: {
        tags,
        summary: 'Rename, disable or enable a redirect URL (its destination never changes)',
        params: idParams,
        body: patchBody,
        response: { 200: redirectItem },
      },
    },
    async (req) => {
      // NOTE: the destination is fixed at creation (docs/redirect-urls.md#no-open-redirect): a code already shared
      // must never start leading somewhere else, so a new destination needs a new redirect URL.
      if (req.body.destination !== undefined)
        throw new ApiProblem(422, 'the destination of a redirect URL never changes; create a new one', [
          { field: 'destination', message: 'is fixed at creation' },
        ]);
      const { name, disabled } = req.body;
      return redirectView(await updateRedirect(pool, workspaceOf(req), req.params.id, { name, disabled }), publicUrl);
    },
  );
  app.delete<{ Params: Id }>(
    '/v1/redirect-urls/:id',
    {
      schema: {
        tags,
        summary: 'Disable a redirect URL: ingest answers 404 for its code; its row and clicks stay for the insights',
        params: idParams,
        response: { 204: noContent },
      },
    },
    async (req, reply) => {
      await updateRedirect(pool, workspaceOf(req), req.params.id, { disabled: true });
      return reply.code(204).send(null);
    },
  );
}
