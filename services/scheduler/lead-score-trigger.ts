import type { PoolClient } from 'pg';
import { LEAD_SCORE_CONDITION, type Tile } from '../../lib/domain/journeys/journey-graph';
import { runtimeOf, type JourneyRow } from './journey-runtime';
import type { LiveModel } from './lead-score-types';
import { meetTrigger } from './web-activity';
import { minScoreOf } from './lead-score-met';

// The "lead score ≥ N" trigger (docs/lead-scoring.md#trigger): config {condition: 'lead_score', model_id,
// min_score?}; N is min_score, or the threshold of the model's live version.

const isLeadScoreTrigger = (tile: Tile, modelId: string): boolean =>
  tile.type === 'trigger' &&
  String(tile.config?.condition ?? '').replace(/^not_/, '') === LEAD_SCORE_CONDITION &&
  String(tile.config?.model_id ?? '').toLowerCase() === modelId;

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
