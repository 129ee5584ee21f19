import type { PoolClient } from 'pg';
import type { Tile } from '../../lib/domain/journeys/journey-graph';
import { scoreAt, scoringDefinitionOf } from '../../lib/domain/scoring/scoring-model';

// When a contact meets a "lead score ≥ N" trigger by its score now (docs/lead-scoring.md#trigger); waking at the
// score is lead-score-trigger.ts.

/** The score a trigger waits for: its min_score, or the threshold of the model's live version. */
export const minScoreOf = (tile: Tile, threshold: number): number =>
  typeof tile.config?.min_score === 'number' ? tile.config.min_score : threshold;

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
