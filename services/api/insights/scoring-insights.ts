import type { Pool } from 'pg';
import { EMAIL_EVENT_TYPES } from '../../../lib/contracts/events/event-types';
import { sql, tuple } from '../../../lib/platform/clickhouse/sql';
import { scoringDefinitionOf } from '../../../lib/domain/scoring/scoring-model';
import { ApiProblem } from '../api-problem';
import { num, type QueryRunner } from './insights-filters';

/**
 * Lead scoring insights (docs/kpis.md#lead-scoring): a model version's leads processed per day, its score
 * distribution and the leads that crossed its threshold; a lead's age, source, scores over time and its contact's
 * interactions. Scores come from PostgreSQL (lead_scores, lead_score_entries: the system of record), interactions
 * from ClickHouse's events_raw.
 */

/** A score as of now, in SQL: the anchored score decayed by the version's half-life ($hl days; NULL: no decay). */
const SCORE_NOW = `s.score * CASE WHEN $3::float8 IS NULL THEN 1 ELSE power(0.5, extract(epoch FROM (now() - s.anchor_time)) / 86400.0 / $3::float8) END`;
/** The distribution's buckets: quarters of the threshold, below zero, and at or above the threshold. */
const BUCKETS = 4;
const CROSSED_LISTED = 100;

export interface ModelVersion {
  id: string;
  version: number;
  threshold: number;
  halfLifeDays: number | null;
}

/** The version the insights are about: the one asked for, else the live one, else the last; 409 if none. */
export async function versionOf(
  pool: Pool,
  model: { id: string; live_version: number | null },
  asked?: number,
): Promise<ModelVersion> {
  const { rows } = await pool.query<{ version: number; definition: unknown }>(
    `SELECT version, definition FROM scoring_model_versions WHERE model_id = $1 AND ($2::int IS NULL OR version = $2)
      ORDER BY version = coalesce($3::int, -1) DESC, version DESC LIMIT 1`,
    [model.id, asked ?? null, model.live_version],
  );
  const definition = scoringDefinitionOf(rows[0]?.definition);
  if (!rows[0] || !definition)
    throw new ApiProblem(409, 'insights exist for a scoring model version that went live', [
      {
        field: asked === undefined ? 'status' : 'version',
        message: asked === undefined ? 'never live' : 'no such version',
      },
    ]);
  return {
    id: model.id,
    version: rows[0].version,
    threshold: definition.threshold,
    halfLifeDays: definition.half_life_days,
  };
}

/** Leads processed per day (UTC): contacts with at least one scored entry that day, and the entries. */
async function processedPerDay(pool: Pool, v: ModelVersion) {
  const { rows } = await pool.query<{ day: string; leads: number; entries: number }>(
    `SELECT to_char(event_time AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(DISTINCT contact_id)::int AS leads, count(*)::int AS entries
       FROM lead_score_entries WHERE model_id = $1 AND version = $2 GROUP BY 1 ORDER BY 1`,
    [v.id, v.version],
  );
  return rows;
}

/** How many scored contacts are in each bucket of their score now. */
async function distribution(pool: Pool, v: ModelVersion) {
  const { rows } = await pool.query<{ bucket: number; leads: number }>(
    `SELECT width_bucket(${SCORE_NOW}, 0, $4::float8, ${BUCKETS}) AS bucket, count(*)::int AS leads
       FROM lead_scores s WHERE s.model_id = $1 AND s.version = $2 GROUP BY 1`,
    [v.id, v.version, v.halfLifeDays, v.threshold],
  );
  const count = new Map(rows.map((r) => [r.bucket, r.leads]));
  const step = v.threshold / BUCKETS;
  return Array.from({ length: BUCKETS + 2 }, (_, bucket) => ({
    from: bucket === 0 ? null : (bucket - 1) * step,
    to: bucket === BUCKETS + 1 ? null : bucket * step,
    leads: count.get(bucket) ?? 0,
  }));
}

/** The contacts that crossed the threshold (the newest first), with their score now and latest lead. */
async function crossed(pool: Pool, v: ModelVersion) {
  const { rows } = await pool.query<{ contact_id: string; lead_id: string | null; crossed_at: string; score: number }>(
    `SELECT s.contact_id::text, (SELECT l.id::text FROM leads l WHERE l.workspace_id = s.workspace_id AND l.contact_id = s.contact_id ORDER BY l.created_at DESC LIMIT 1) AS lead_id,
            to_char(s.crossed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS crossed_at, ${SCORE_NOW} AS score
       FROM lead_scores s WHERE s.model_id = $1 AND s.version = $2 AND s.crossed_at IS NOT NULL
      ORDER BY s.crossed_at DESC, s.contact_id LIMIT ${CROSSED_LISTED}`,
    [v.id, v.version, v.halfLifeDays],
  );
  const { rows: total } = await pool.query<{ leads: number; crossed: number }>(
    `SELECT count(*)::int AS leads, count(crossed_at)::int AS crossed FROM lead_scores WHERE model_id = $1 AND version = $2`,
    [v.id, v.version],
  );
  return { leads: total[0]?.leads ?? 0, crossed: total[0]?.crossed ?? 0, list: rows };
}

/** GET /v1/insights/scoring-models/{id}. */
export async function scoringModelInsights(pool: Pool, v: ModelVersion) {
  const over = await crossed(pool, v);
  return {
    model_id: v.id,
    version: v.version,
    threshold: v.threshold,
    half_life_days: v.halfLifeDays,
    leads_processed: over.leads,
    crossed: over.crossed,
    per_day: await processedPerDay(pool, v),
    distribution: await distribution(pool, v),
    crossed_leads: over.list,
  };
}

/**
 * The contact's interactions in events_raw: counts by type and the latest, each event once however replayed. Only
 * what the contact did or was sent (the email events); the journey engine's tile events say where it stood.
 */
export async function contactInteractions(ch: QueryRunner, workspaceId: string, contactId: string) {
  const where = sql`workspace_id = ${workspaceId} AND contact_id = ${contactId} AND machine = 0 AND event_type IN ${tuple([...EMAIL_EVENT_TYPES])}`;
  const counts = await ch.rows<{ event_type: string; n: string }>(sql`
    SELECT event_type, uniqExact(event_id) AS n FROM events_raw WHERE ${where} GROUP BY event_type ORDER BY event_type`);
  const latest = await ch.rows<{
    event_id: string;
    v_type: string;
    at: string;
    v_email: string;
    v_journey: string;
  }>(sql`
    SELECT event_id, any(event_type) AS v_type, toString(any(event_time)) AS at, any(email_id) AS v_email, any(journey_id) AS v_journey
    FROM events_raw WHERE ${where} GROUP BY event_id ORDER BY at DESC, event_id LIMIT 50`);
  return {
    counts: Object.fromEntries(counts.map((r) => [r.event_type, num(r.n)])),
    latest: latest.map((r) => ({
      event_id: r.event_id,
      event_type: r.v_type,
      at: r.at,
      email_id: r.v_email,
      journey_id: r.v_journey,
    })),
  };
}
