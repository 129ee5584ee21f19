import type { Pool } from 'pg';

/** What lead_scores holds per contact of a model (version 1), with its ledger's size. */
export async function storedScores(
  pool: Pool,
  modelId: string,
): Promise<Map<string, { score: number; anchor: number; crossed: boolean; entries: number }>> {
  const { rows } = await pool.query<{ contact_id: string; score: number; anchor: string; crossed: boolean; n: number }>(
    `SELECT s.contact_id::text, s.score, (extract(epoch FROM s.anchor_time) * 1000)::text AS anchor, s.crossed_at IS NOT NULL AS crossed,
            (SELECT count(*)::int FROM lead_score_entries e WHERE e.model_id = s.model_id AND e.version = s.version AND e.contact_id = s.contact_id) AS n
       FROM lead_scores s WHERE s.model_id = $1 AND s.version = 1`,
    [modelId],
  );
  return new Map(
    rows.map((r) => [
      r.contact_id,
      { score: r.score, anchor: Math.round(Number(r.anchor)), crossed: r.crossed, entries: r.n },
    ]),
  );
}

/** Each contact's score at its anchor, recounted from the ledger alone: Σ points · 0.5^((anchor − t) / half-life). */
export async function ledgerRecount(pool: Pool, modelId: string, halfLifeDays: number): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ contact_id: string; score: number }>(
    `SELECT e.contact_id::text, sum(e.points * power(0.5, extract(epoch FROM (s.anchor_time - e.event_time)) / 86400.0 / $2))::float8 AS score
       FROM lead_score_entries e JOIN lead_scores s ON s.model_id = e.model_id AND s.version = e.version AND s.contact_id = e.contact_id
      WHERE e.model_id = $1 AND e.version = 1 GROUP BY e.contact_id`,
    [modelId, halfLifeDays],
  );
  return new Map(rows.map((r) => [r.contact_id, r.score]));
}

/** The stored scores by contact. */
export function expectedScores(stored: Map<string, { score: number }>): Array<[string, number]> {
  return [...stored].map(([contact, s]) => [contact, s.score]);
}
