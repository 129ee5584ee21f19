/**
 * A new draft journey or email from a template (docs/api.md#templates): the template's definition with only the
 * ids that still exist in the workspace (the answer names the others), the request's values over it.
 */
import type { FastifyRequest } from 'fastify';
import type { Pool, PoolClient } from 'pg';
import type { JourneySettings } from '../../../lib/domain/journeys/journey-graph';
import { inTransaction } from '../../../lib/platform/postgres/pg-pool';
import { workspaceOf } from '../api-auth';
import { ApiProblem } from '../api-problem';
import { assertWebhookScope } from '../journeys/journey-webhooks';
import { assertReferences } from '../resource-routes';
import { emailWith, journeyWith, keepExisting, missingReferences, referencesOf } from './template-references';
import { findTemplate } from './template-store';
import type { EmailDefinition, JourneyDefinition, TemplateKind } from './template-types';

export interface JourneyFromTemplate {
  template_id: string;
  name?: string;
  settings?: Partial<JourneySettings>;
  tiles?: Record<string, Record<string, unknown>>;
}

export type EmailFromTemplate = { template_id: string; name?: string } & EmailDefinition;

const wrongKind = (id: string, kind: TemplateKind, wanted: TemplateKind): ApiProblem =>
  new ApiProblem(422, `template ${id} is of kind ${kind}, not ${wanted}`, [
    { field: 'template_id', message: `is of kind ${kind}` },
  ]);

async function journeyTemplate(client: PoolClient, workspaceId: string, id: string) {
  const template = await findTemplate(client, workspaceId, id, 'template_id');
  if (template.kind !== 'journey') throw wrongKind(id, template.kind, 'journey');
  return template;
}

async function emailTemplate(client: PoolClient, workspaceId: string, id: string) {
  const template = await findTemplate(client, workspaceId, id, 'template_id');
  if (template.kind !== 'email') throw wrongKind(id, template.kind, 'email');
  return template;
}

/** The request's tile configs and settings over the definition; a tile id the template lacks is a 422. */
function withRequest(definition: JourneyDefinition, body: JourneyFromTemplate): JourneyDefinition {
  const tiles = body.tiles ?? {};
  const unknown = Object.keys(tiles).find((id) => !definition.graph.tiles.some((tile) => tile.id === id));
  if (unknown !== undefined)
    throw new ApiProblem(422, `tiles names tile "${unknown}", which the template does not have`, [
      { field: `tiles.${unknown}`, message: 'no such tile in the template' },
    ]);
  return {
    graph: {
      tiles: definition.graph.tiles.map((tile) =>
        tiles[tile.id] ? { ...tile, config: { ...tile.config, ...tiles[tile.id] } } : tile,
      ),
    },
    settings: { ...definition.settings, ...body.settings },
  };
}

/** Ids the request gave must name the workspace's resources, as on every write (404 naming each). */
async function assertRequestReferences(client: PoolClient, workspaceId: string, definition: JourneyDefinition) {
  const missing = await missingReferences(client, workspaceId, referencesOf(definition, journeyWith));
  if (missing.length > 0)
    throw new ApiProblem(
      404,
      `${missing.length} id(s) name nothing in this workspace`,
      missing.map((r) => ({
        field: r.field.replace(/^graph\.tiles\.([^.]+)\.config\./, 'tiles.$1.'),
        message: `${r.id} not found`,
      })),
    );
}

export async function journeyFromTemplate(pool: Pool, request: FastifyRequest, body: JourneyFromTemplate) {
  const workspaceId = workspaceOf(request);
  return inTransaction(pool, async (client) => {
    const template = await journeyTemplate(client, workspaceId, body.template_id);
    const kept = await keepExisting(client, workspaceId, template.definition, journeyWith);
    const definition = withRequest(kept.definition, body);
    await assertRequestReferences(client, workspaceId, definition);
    // a webhook URL the template already had is the workspace's own; a new one needs admin, as on an edit
    assertWebhookScope(request, definition.graph, template.definition.graph);
    const { rows } = await client.query<Record<string, unknown>>(
      'INSERT INTO journeys (workspace_id, name, graph, settings) VALUES ($1, $2, $3, $4) RETURNING *',
      [workspaceId, body.name ?? template.name, JSON.stringify(definition.graph), JSON.stringify(definition.settings)],
    );
    return { ...rows[0], dropped_references: kept.dropped };
  });
}

export async function emailFromTemplate(pool: Pool, workspaceId: string, body: EmailFromTemplate) {
  const { template_id, name, ...overrides } = body;
  return inTransaction(pool, async (client) => {
    const template = await emailTemplate(client, workspaceId, template_id);
    const kept = await keepExisting(client, workspaceId, template.definition, emailWith);
    await assertReferences(client, workspaceId, { references: { content_settings_id: 'content_settings' } }, overrides);
    const { rows } = await client.query<Record<string, unknown>>(
      'INSERT INTO emails (workspace_id, name, draft) VALUES ($1, $2, $3) RETURNING *',
      [workspaceId, name ?? template.name, JSON.stringify({ ...kept.definition, ...overrides })],
    );
    return { ...rows[0], dropped_references: kept.dropped };
  });
}
