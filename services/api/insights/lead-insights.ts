import type { Pool } from 'pg';
import { scoreAt, scoringDefinitionOf } from '../../../lib/domain/scoring/scoring-model';
import { notFound } from '../api-problem';
import { contactInteractions } from './scoring-insights';
import type { QueryRunner } from './insights-filters';

/** Entries listed per model version in a lead's score over time (the newest). */
const HISTORY = 500;

interface LeadRow {
  id: string;
  contact_id: string | null;
  origin: string;
  journey_id: string | null;
  submission_id: string | null;
  title: string;
  status: string;
  created_at: string;
  age_ms: string;
}

/** A lead's scores: per model version its score now, crossing and the score after each entry (oldest first). */
async function scoresOf(pool: Pool, workspaceId: string, contactId: string, now: number) {
  const { rows } = await pool.query<{
    model_id: string;
    name: string;
    version: number;
    definition: unknown;
    score: number;
    anchor: string;
    first_scored_at: string;
    crossed_at: string | null;
  }>(
    `SELECT s.model_id::text, m.name, s.version, v.definition, s.score, (extract(epoch FROM s.anchor_time) * 1000)::text AS anchor,
            s.first_scored_at::text, s.crossed_at::text
       FROM lead_scores s JOIN scoring_models m ON m.id = s.model_id
       JOIN scoring_model_versions v ON v.model_id = s.model_id AND v.version = s.version
      WHERE s.workspace_id = $1 AND s.contact_id = $2 ORDER BY m.name, s.model_id, s.version`,
    [workspaceId, contactId],
  );
  return Promise.all(
    rows.map(async (row) => {
      const definition = scoringDefinitionOf(row.definition);
      const anchored = { score: row.score, anchor: Math.round(Number(row.anchor)) };
      const { rows: history } = await pool.query(
        `SELECT * FROM (SELECT to_char(event_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, event_type, entry_key, rule_index, points, score_after
           FROM lead_score_entries WHERE model_id = $1 AND version = $2 AND contact_id = $3
           ORDER BY event_time DESC, entry_key DESC LIMIT ${HISTORY}) h ORDER BY at, entry_key`,
        [row.model_id, row.version, contactId],
      );
      return {
        model_id: row.model_id,
        name: row.name,
        version: row.version,
        threshold: definition?.threshold ?? null,
        score: scoreAt(anchored, now, definition?.half_life_days ?? null),
        first_scored_at: row.first_scored_at,
        crossed_at: row.crossed_at,
        history,
      };
    }),
  );
}

/** GET /v1/insights/leads/{id}: age, source, scores over time, the contact's interactions. */
export async function leadInsights(pool: Pool, ch: QueryRunner, workspaceId: string, leadId: string, now: number) {
  const { rows } = await pool.query<LeadRow>(
    `SELECT id::text, contact_id::text, origin, journey_id::text, submission_id::text, title, status, created_at::text,
            (extract(epoch FROM (now() - created_at)) * 1000)::text AS age_ms
       FROM leads WHERE workspace_id = $1 AND id = $2`,
    [workspaceId, leadId],
  );
  const lead = rows[0];
  if (!lead) throw notFound('lead');
  const contactId = lead.contact_id;
  return {
    lead_id: lead.id,
    contact_id: contactId,
    title: lead.title,
    status: lead.status,
    created_at: lead.created_at,
    age_days: Number(lead.age_ms) / 86_400_000,
    source: { origin: lead.origin, journey_id: lead.journey_id, submission_id: lead.submission_id },
    scores: contactId ? await scoresOf(pool, workspaceId, contactId, now) : [],
    interactions: contactId ? await contactInteractions(ch, workspaceId, contactId) : { counts: {}, latest: [] },
  };
}
