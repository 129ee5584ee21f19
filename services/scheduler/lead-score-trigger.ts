import type { PoolClient } from 'pg';
import { LEAD_SCORE_CONDITION, type Tile } from '../../lib/domain/journeys/journey-graph';
import { scoreAt, scoringDefinitionOf } from '../../lib/domain/scoring/scoring-model';
import { runtimeOf, type JourneyRow } from './journey-runtime';
import type { LiveModel } from './lead-scoring';
import { meetTrigger } from './web-activity';

// The "lead score ≥ N" trigger (docs/lead-scoring.md#trigger): config {condition: 'lead_score', model_id,
// min_score?}; N is min_score, or the threshold of the model's live version.

const isLeadScoreTrigger = (tile: Tile, modelId: string): boolean =>
  tile.type === 'trigger' &&
  String(tile.config?.condition ?? '').replace(/^not_/, '') === LEAD_SCORE_CONDITION &&
  String(tile.config?.model_id ?? '').toLowerCase() === modelId;

/** The score a trigger waits for. */
export const minScoreOf = (tile: Tile, threshold: number): number =>
  typeof tile.config?.min_score === 'number' ? tile.config.min_score : threshold;

/**
 * Wakes the contacts waiting at the lead score triggers of the model whose new score reaches the trigger's N, in
 * the scoring transaction (meetTrigger records the meeting once and moves only contacts that still wait).
 */
export async function wakeLeadScoreTriggers(
  client: PoolClient,
  model: LiveModel,
  reached: Array<{ contactId: string; score: number }>,
  now: number,
): Promise<Array<{ journey_id: string; tile_id: string }>> {
  if (reached.length === 0) return [];
  const { rows } = await client.query<JourneyRow>(
    `SELECT id, workspace_id, status, graph, settings FROM journeys
      WHERE status = 'live' AND workspace_id = $1 AND graph -> 'tiles' @> $2::jsonb`,
    [model.workspaceId, JSON.stringify([{ config: { model_id: model.id } }])],
  );
  const woken: Array<{ journey_id: string; tile_id: string }> = [];
  for (const journey of rows.map(runtimeOf))
    for (const tile of journey.row.graph.tiles.filter((t) => isLeadScoreTrigger(t, model.id))) {
      const min = minScoreOf(tile, model.definition.threshold);
      const ids = reached.filter((r) => r.score >= min).map((r) => r.contactId);
      if (ids.length > 0 && (await meetTrigger(client, journey, tile, ids, now)))
        woken.push({ journey_id: journey.row.id, tile_id: tile.id });
    }
  return woken;
}

/**
 * The contacts (of `contactIds`) whose score under the model's live version is at least the trigger's N now: a
 * contact arriving at the trigger already there goes on at once.
 */
export async function contactsAtScore(
  client: Pick<PoolClient, 'query'>,
  tile: Tile,
  contactIds: string[],
  now: number,
): Promise<Set<string>> {
  const { rows } = await client.query<{ contact_id: string; score: number; anchor: string; definition: unknown }>(
    `SELECT s.contact_id::text, s.score, (extract(epoch FROM s.anchor_time) * 1000)::text AS anchor, v.definition
       FROM scoring_models m JOIN scoring_model_versions v ON v.model_id = m.id AND v.version = m.live_version
       JOIN lead_scores s ON s.model_id = m.id AND s.version = m.live_version
      WHERE m.id = $1::uuid AND m.status = 'live' AND s.contact_id = ANY($2::uuid[])`,
    [String(tile.config?.model_id ?? '00000000-0000-0000-0000-000000000000'), contactIds],
  );
  const met = new Set<string>();
  for (const row of rows) {
    const definition = scoringDefinitionOf(row.definition);
    if (!definition) continue;
    const score = scoreAt({ score: row.score, anchor: Math.round(Number(row.anchor)) }, now, definition.half_life_days);
    if (score >= minScoreOf(tile, definition.threshold)) met.add(row.contact_id);
  }
  return met;
}
