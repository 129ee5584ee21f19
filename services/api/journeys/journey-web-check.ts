import type { Pool, PoolClient } from 'pg';
import {
  LEAD_SCORE_CONDITION,
  WEB_TRIGGER_CONDITIONS,
  WEB_TRIGGER_TARGET,
  type JourneyGraph,
  type JourneyIssue,
  type Tile,
  type WebTriggerCondition,
} from '../../../lib/domain/journeys/journey-graph';
import { MAX_THRESHOLD } from '../../../lib/domain/scoring/scoring-model';
import { ApiProblem } from '../api-problem';

// The form tile and the form and page triggers of inbound journeys (docs/scheduler.md#inbound-journeys): the forms
// and pages they name must be the workspace's (when the journey is saved and at go-live), and a form tile's form
// must be live at go-live. The lead score triggers' scoring models (docs/lead-scoring.md#trigger) likewise: the
// workspace's, and live at go-live.

/** Lowercase, as PostgreSQL spells uuids and ingest's events carry them: the engine matches tiles by that spelling. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The status of each form and page of the workspace that the graph names (absent: the workspace has none). */
export interface WebCheckContext {
  formStatus?: ReadonlyMap<string, string>;
  pageStatus?: ReadonlyMap<string, string>;
  modelStatus?: ReadonlyMap<string, string>;
}

/** The web condition a trigger's condition is about (form_submitted, not_page_visited, …), or null. */
function webConditionOf(condition: unknown): WebTriggerCondition | null {
  if (typeof condition !== 'string') return null;
  const base = condition.startsWith('not_') ? condition.slice(4) : condition;
  return (WEB_TRIGGER_CONDITIONS as readonly string[]).includes(base) ? (base as WebTriggerCondition) : null;
}

/** lead_score or not_lead_score. */
const isLeadScoreCondition = (condition: unknown): boolean =>
  typeof condition === 'string' && condition.replace(/^not_/, '') === LEAD_SCORE_CONDITION;

/** A web or lead score condition: its trigger names no email tile. */
export const namesNoEmailTile = (condition: unknown): boolean =>
  webConditionOf(condition) !== null || isLeadScoreCondition(condition);

/**
 * A lead score trigger's min_score problems (its model is checked with the forms and pages, webReferences); none
 * for another condition.
 */
export function leadScoreIssues(config: Record<string, unknown>): string[] {
  const min = config.min_score;
  if (!isLeadScoreCondition(config.condition) || min === undefined) return [];
  if (typeof min === 'number' && min > 0 && min <= MAX_THRESHOLD) return [];
  return [`config.min_score must be a number, 0 < min_score ≤ ${MAX_THRESHOLD}`];
}

type ReferenceField = 'form_id' | 'page_id' | 'model_id';

/** A form or page a tile names: which config field, and whether it is a form or a page. */
interface WebReference {
  index: number;
  tile: Tile;
  field: ReferenceField;
  value: unknown;
}

/** The form tiles' forms and the web triggers' forms and pages, each with the tile's position in the graph. */
function webReferences(graph: JourneyGraph): WebReference[] {
  const tiles: unknown = graph?.tiles;
  if (!Array.isArray(tiles)) return [];
  return graph.tiles.flatMap((tile, index): WebReference[] => {
    if (tile?.type === 'form') return [{ index, tile, field: 'form_id', value: tile.config?.form_id }];
    if (tile?.type === 'trigger' && isLeadScoreCondition(tile.config?.condition))
      return [{ index, tile, field: 'model_id', value: tile.config?.model_id }];
    const web = tile?.type === 'trigger' ? webConditionOf(tile.config?.condition) : null;
    if (web === null) return [];
    const field = WEB_TRIGGER_TARGET[web];
    return [{ index, tile, field, value: tile.config?.[field] }];
  });
}

const fieldOf = (ref: WebReference): string => `graph.tiles[${ref.index}].config.${ref.field}`;
const NOUNS: Record<ReferenceField, string> = { form_id: 'form', page_id: 'page', model_id: 'lead scoring model' };
const noun = (ref: WebReference): string => NOUNS[ref.field];

/** What is wrong with one reference, given the statuses of the workspace's forms and pages it could name. */
function referenceProblem(ref: WebReference, ctx: WebCheckContext, atGoLive: boolean): string | null {
  const label = `tile "${ref.tile.id}" (${ref.tile.type})`;
  if (typeof ref.value !== 'string' || !UUID.test(ref.value))
    return `${label}: config.${ref.field} must be the id (a lowercase uuid) of a ${noun(ref)} of this workspace`;
  const statuses = { form_id: ctx.formStatus, page_id: ctx.pageStatus, model_id: ctx.modelStatus }[ref.field];
  const status = statuses?.get(ref.value);
  if (status === undefined) return `${label}: ${noun(ref)} ${ref.value} does not exist in this workspace`;
  if (atGoLive && (ref.tile.type === 'form' || ref.field === 'model_id') && status !== 'live')
    return `${label}: ${noun(ref)} ${ref.value} is ${status}; make it live before the journey goes live`;
  return null;
}

/** The go-live check's issues about forms and pages (journey-check.ts), each naming graph.tiles[i].config.<field>. */
export function webTileIssues(graph: JourneyGraph, ctx: WebCheckContext): JourneyIssue[] {
  return webReferences(graph).flatMap((ref) => {
    const message = referenceProblem(ref, ctx, true);
    return message === null ? [] : [{ field: fieldOf(ref), message }];
  });
}

/** Loads the statuses of the workspace's forms and pages that the graph names (ids that are not uuids are skipped). */
export async function loadWebCheckContext(
  db: Pool | PoolClient,
  workspaceId: string,
  graph: JourneyGraph,
): Promise<WebCheckContext> {
  const ids = (field: ReferenceField): string[] =>
    webReferences(graph).flatMap((ref) =>
      ref.field === field && typeof ref.value === 'string' && UUID.test(ref.value) ? [ref.value] : [],
    );
  const statuses = async (table: 'forms' | 'pages' | 'scoring_models', field: ReferenceField) => {
    const { rows } = await db.query<{ id: string; status: string }>(
      `SELECT id::text, status FROM ${table} WHERE workspace_id = $1 AND id = ANY($2::uuid[])`,
      [workspaceId, ids(field)],
    );
    return new Map(rows.map((r) => [r.id, r.status]));
  };
  return {
    formStatus: await statuses('forms', 'form_id'),
    pageStatus: await statuses('pages', 'page_id'),
    modelStatus: await statuses('scoring_models', 'model_id'),
  };
}

/**
 * When a journey is created or edited: every form and page its graph names is one of the workspace's, or 422 with
 * each problem by its field (graph.tiles[i].config.form_id); another workspace's form is as unknown as a made-up id.
 */
export async function assertWebReferences(client: PoolClient, workspaceId: string, graph: unknown): Promise<void> {
  if (typeof graph !== 'object' || graph === null || !('tiles' in graph) || !Array.isArray(graph.tiles)) return;
  const journeyGraph: JourneyGraph = { tiles: graph.tiles };
  const ctx = await loadWebCheckContext(client, workspaceId, journeyGraph);
  const errors = webReferences(journeyGraph).flatMap((ref) => {
    const message = referenceProblem(ref, ctx, false);
    return message === null ? [] : [{ field: fieldOf(ref), message }];
  });
  if (errors.length > 0)
    throw new ApiProblem(422, `the journey names ${errors.length} form(s), page(s) or model(s) it cannot use`, errors);
}
