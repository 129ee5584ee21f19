import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { inTransaction } from '../../../lib/platform/postgres/pg-pool';
import type { TypedApp } from '../api-deps';
import { workspaceOf } from '../api-auth';
import { noContent, pageSchema } from '../pagination';
import { deleteTemplate, findTemplate, listTemplates, saveTemplate } from '../templates/template-store';
import { templateUseRoutes } from './template-use.routes';
import { createBody, listQuery, tags, template, templateParams } from './templates.schemas';

/**
 * Journey and email templates (docs/api.md#templates): the built-ins and the workspace's own, saved from a journey
 * or email; journeys and emails made from them (template-use.routes.ts).
 */
export async function templateRoutes(untyped: FastifyInstance, { pool }: { pool: Pool }): Promise<void> {
  const app = untyped.withTypeProvider<JsonSchemaToTsProvider>();
  createTemplateRoute(app, pool);
  listTemplatesRoute(app, pool);
  getTemplateRoute(app, pool);
  deleteTemplateRoute(app, pool);
  templateUseRoutes(untyped, pool);
}

function createTemplateRoute(app: TypedApp, pool: Pool): void {
  app.post(
    '/v1/templates',
    {
      schema: {
        tags,
        summary: "Save a journey's or email's definition as a template of the workspace",
        body: createBody,
        response: { 201: template },
      },
    },
    async (req, reply) => {
      const workspaceId = workspaceOf(req);
      return reply.code(201).send(await inTransaction(pool, (client) => saveTemplate(client, workspaceId, req.body)));
    },
  );
}

function listTemplatesRoute(app: TypedApp, pool: Pool): void {
  app.get(
    '/v1/templates',
    {
      schema: {
        tags,
        summary: "List the built-in templates and the workspace's own (?kind=journey|email)",
        querystring: listQuery,
        response: { 200: pageSchema(template) },
      },
    },
    async (req) => listTemplates(pool, workspaceOf(req), req.query),
  );
}

function getTemplateRoute(app: TypedApp, pool: Pool): void {
  app.get(
    '/v1/templates/:id',
    { schema: { tags, summary: 'Get a template', params: templateParams, response: { 200: template } } },
    async (req) => findTemplate(pool, workspaceOf(req), req.params.id),
  );
}

function deleteTemplateRoute(app: TypedApp, pool: Pool): void {
  app.delete(
    '/v1/templates/:id',
    {
      schema: {
        tags,
        summary: "Delete one of the workspace's templates (a built-in one: 409)",
        params: templateParams,
        response: { 204: noContent },
      },
    },
    async (req, reply) => {
      await deleteTemplate(pool, workspaceOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  );
}
