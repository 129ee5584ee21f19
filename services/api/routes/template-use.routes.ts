/** A new draft journey or email from a template (docs/api.md#templates); registered by templates.routes.ts. */
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { workspaceOf } from '../api-auth';
import {
  emailFromTemplate,
  journeyFromTemplate,
  type EmailFromTemplate,
  type JourneyFromTemplate,
} from '../templates/template-use';
import { item as emailItem, tags as emailTags } from './emails.schemas';
import { item as journeyItem, tags as journeyTags } from './journeys.schemas';
import { createdFrom, emailFromTemplateBody, journeyFromTemplateBody } from './templates.schemas';

export function templateUseRoutes(app: FastifyInstance, pool: Pool): void {
  journeyFromTemplateRoute(app, pool);
  emailFromTemplateRoute(app, pool);
}

// The settings schema is shared with the journeys' generic routes and built at load time, so the body type is declared.
function journeyFromTemplateRoute(app: FastifyInstance, pool: Pool): void {
  app.post<{ Body: JourneyFromTemplate }>(
    '/v1/journeys/from-template',
    {
      schema: {
        tags: journeyTags,
        summary: 'Create a draft journey from a template, with tile configs and settings of the request over it',
        body: journeyFromTemplateBody,
        response: { 201: createdFrom(journeyItem) },
      },
    },
    async (req, reply) => reply.code(201).send(await journeyFromTemplate(pool, req, req.body)),
  );
}

function emailFromTemplateRoute(app: FastifyInstance, pool: Pool): void {
  app.post<{ Body: EmailFromTemplate }>(
    '/v1/emails/from-template',
    {
      schema: {
        tags: emailTags,
        summary: "Create a draft email from a template, with the request's draft fields over it",
        body: emailFromTemplateBody,
        response: { 201: createdFrom(emailItem) },
      },
    },
    async (req, reply) => reply.code(201).send(await emailFromTemplate(pool, workspaceOf(req), req.body)),
  );
}
