import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import type { ApiDeps } from '../api-deps';
import { workspaceOf } from '../api-auth';
import {
  checkDefinition,
  createDefinition,
  deleteDefinition,
  editDefinition,
  goLiveDefinition,
  listDefinitions,
  readDefinition,
  readVersion,
  stopDefinition,
  type DefinitionKind,
  type DefinitionRow,
} from '../definition-store';
import { formKind, formView } from '../form-kind';
import { pageKind, pageView } from '../page-kind';
import { noContent, pageQuerySchema, pageSchema, type PageQuery } from '../pagination';
import { idParams } from '../resource-routes';
import { draftRenderer } from './emails.routes';
import { versionParams } from './emails.schemas';
import { checkResponse, formExtras, itemOf, pageExtras, versionResponse, writeBody } from './forms.schemas';

/** Marketing forms and pages (docs/api.md#forms-and-pages, docs/pages-and-forms.md). */

export interface Resource {
  path: string;
  tag: string;
  kind: DefinitionKind;
  item: object;
  /** the row as answered: with its public URLs, from the ingest URL read at answer time */
  view: (row: DefinitionRow) => Record<string, unknown>;
  /** what stopping means for it (default: ingest serves and accepts nothing for it) */
  stopped?: string;
}

type WriteBody = { name?: string; definition?: Record<string, unknown> };
type Id = { id: string };

export async function formRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { config } = deps;
  definitionRoutes(app, deps.pool, {
    path: '/v1/forms',
    tag: 'forms',
    kind: formKind(config),
    item: itemOf(formExtras),
    view: (row) => formView(row, config.ingestPublicUrl),
  });
}

export async function pageRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const renderer = draftRenderer(deps);
  app.addHook('onClose', async () => renderer.close());
  definitionRoutes(app, deps.pool, {
    path: '/v1/pages',
    tag: 'pages',
    kind: pageKind(renderer),
    item: itemOf(pageExtras),
    view: (row) => pageView(row, deps.config.ingestPublicUrl),
  });
}

/** The routes of one resource, in the order they are documented. */
export function definitionRoutes(app: FastifyInstance, pool: Pool, resource: Resource): void {
  draftRoutes(app, pool, resource);
  lifecycleRoutes(app, pool, resource);
}

function draftRoutes(app: FastifyInstance, pool: Pool, { path, tag, kind, item, view }: Resource): void {
  const tags = [tag];
  const noun = kind.noun;
  app.post<{ Body: WriteBody & { name: string } }>(
    path,
    { schema: { tags, summary: `Create a draft ${noun}`, body: writeBody(['name']), response: { 201: item } } },
    async (req, reply) => reply.code(201).send(view(await createDefinition(pool, kind, workspaceOf(req), req.body))),
  );
  app.get<{ Querystring: PageQuery }>(
    path,
    { schema: { tags, summary: `List ${noun}s`, querystring: pageQuerySchema, response: { 200: pageSchema(item) } } },
    async (req) => {
      const page = await listDefinitions(pool, kind, workspaceOf(req), req.query);
      return { items: page.items.map(view), next_cursor: page.next_cursor };
    },
  );
  app.get<{ Params: Id }>(
    `${path}/:id`,
    { schema: { tags, summary: `Get a ${noun}`, params: idParams, response: { 200: item } } },
    async (req) => view(await readDefinition(pool, kind, workspaceOf(req), req.params.id)),
  );
  app.patch<{ Params: Id; Body: WriteBody }>(
    `${path}/:id`,
    {
      schema: {
        tags,
        summary: `Edit the draft ${noun} (a live ${noun} keeps its frozen version until the next go-live)`,
        params: idParams,
        body: writeBody([]),
        response: { 200: item },
      },
    },
    async (req) => view(await editDefinition(pool, kind, workspaceOf(req), req.params.id, req.body)),
  );
  app.delete<{ Params: Id }>(
    `${path}/:id`,
    {
      schema: {
        tags,
        summary: `Delete a ${noun} that never went live (one that did is stopped instead)`,
        params: idParams,
        response: { 204: noContent },
      },
    },
    async (req, reply) => {
      await deleteDefinition(pool, kind, workspaceOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  );
}

function lifecycleRoutes(app: FastifyInstance, pool: Pool, resource: Resource): void {
  const { path, tag, kind, item, view } = resource;
  const tags = [tag];
  const noun = kind.noun;
  const action = (name: string, summary: string, response: object) => ({
    url: `${path}/:id/${name}`,
    schema: { tags, summary, params: idParams, response: { 200: response } },
  });
  const check = action('check', 'Run the go-live check without going live', checkResponse);
  app.post<{ Params: Id }>(check.url, { schema: check.schema }, async (req) =>
    checkDefinition(pool, kind, workspaceOf(req), req.params.id),
  );
  const live = action('go-live', `Check the ${noun} and freeze its definition as version n+1, live`, item);
  app.post<{ Params: Id }>(live.url, { schema: live.schema }, async (req) => {
    const { row } = await goLiveDefinition(pool, kind, workspaceOf(req), req.params.id);
    return view(row);
  });
  const stopped = resource.stopped ?? 'ingest serves and accepts nothing for it';
  const stop = action('stop', `Stop a live ${noun} (${stopped})`, item);
  app.post<{ Params: Id }>(stop.url, { schema: stop.schema }, async (req) =>
    view(await stopDefinition(pool, kind, workspaceOf(req), req.params.id)),
  );
  app.get<{ Params: { id: string; version: number } }>(
    `${path}/:id/versions/:version`,
    {
      schema: {
        tags,
        summary: `A frozen version of the ${noun}`,
        params: versionParams,
        response: { 200: versionResponse },
      },
    },
    async (req) => readVersion(pool, kind, workspaceOf(req), req.params.id, req.params.version),
  );
}
