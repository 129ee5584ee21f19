import type { PoolClient } from 'pg';

/** The breaker's settings (docs/scheduler.md#circuit-breaker). */
export interface BreakerSettings {
  hardBounceRate: number;
  complaintRate: number;
  minSends: number;
  windowHours: number;
}

export const DEFAULT_BREAKER: BreakerSettings = {
  hardBounceRate: 0.05,
  complaintRate: 0.003,
  minSends: 500,
  windowHours: 24,
};

export interface BreakerCounts {
  sends: number;
  hardBounces: number;
  complaints: number;
}

export interface BreakerTrip {
  reason: string;
  rates: {
    sends: number;
    hard_bounces: number;
    complaints: number;
    hard_bounce_rate: number;
    complaint_rate: number;
  };
}

/** Which engagement kinds the breaker counts, and as what. */
const COUNTED: Record<string, keyof BreakerCounts> = {
  delivered: 'sends',
  hard_bounced: 'hardBounces',
  complained: 'complaints',
};

/**
 * Whether a journey's counts over the window trip the breaker: nothing is decided below `minSends` sends (a
 * small sample says nothing about a list); a rate strictly above its threshold trips it.
 */
export function breakerVerdict(counts: BreakerCounts, settings: BreakerSettings): BreakerTrip | null {
  if (counts.sends < Math.max(1, settings.minSends)) return null;
  const hardBounceRate = counts.hardBounces / counts.sends;
  const complaintRate = counts.complaints / counts.sends;
  const percent = (rate: number) => `${(rate * 100).toFixed(2)}%`;
  const tripped =
    hardBounceRate > settings.hardBounceRate
      ? `hard-bounce rate ${percent(hardBounceRate)} over ${percent(settings.hardBounceRate)}`
      : complaintRate > settings.complaintRate
        ? `complaint rate ${percent(complaintRate)} over ${percent(settings.complaintRate)}`
        : null;
  if (tripped === null) return null;
  return {
    reason: `${tripped} of ${counts.sends} sends in the last ${settings.windowHours} h`,
    rates: {
      sends: counts.sends,
      hard_bounces: counts.hardBounces,
      complaints: counts.complaints,
      hard_bounce_rate: hardBounceRate,
      complaint_rate: complaintRate,
    },
  };
}

/**
 * The counted engagements among `rows`, per key (a journey, a sending domain); a row whose key is null is not
 * counted. One tally for both breakers, so a journey's and its domain's counts never disagree on what counts.
 */
export function tallyBy<T extends { kind: string }, K>(
  rows: readonly T[],
  keyOf: (row: T) => K | null,
): Map<K, BreakerCounts> {
  const tallies = new Map<K, BreakerCounts>();
  for (const row of rows) {
    const field = COUNTED[row.kind];
    const key = field ? keyOf(row) : null;
    if (!field || key === null) continue;
    const counts = tallies.get(key) ?? { sends: 0, hardBounces: 0, complaints: 0 };
    counts[field] += 1;
    tallies.set(key, counts);
  }
  return tallies;
}

/**
 * Adds the engagements just recorded to their journeys' hourly counts. The caller passes only the rows its
 * insert created (RETURNING of an ON CONFLICT DO NOTHING insert), so a redelivered event is not counted twice.
 */
export async function countForBreaker(
  db: Pick<PoolClient, 'query'>,
  inserted: ReadonlyArray<{ journey_id: string; kind: string }>,
): Promise<string[]> {
  const perJourney = tallyBy(inserted, (row) => row.journey_id);
  if (perJourney.size === 0) return [];
  // NOTE: rows are locked in journey id order, here, in tripBreakers and in the resume route (which deletes the
  // counts before it locks the journey row), so two consumers or a consumer and a resume never deadlock. The
  // sending-domain counts (domain-breaker.ts) come after, in domain id order: one order across both.
  const ids = [...perJourney.keys()].sort();
  const counts = ids.map((id) => perJourney.get(id) ?? { sends: 0, hardBounces: 0, complaints: 0 });
  await db.query(
    `INSERT INTO journey_breaker_counts (journey_id, hour, sends, hard_bounces, complaints)
     SELECT c.j, date_trunc('hour', now()), c.s, c.h, c.c
       FROM unnest($1::uuid[], $2::int[], $3::int[], $4::int[]) AS c(j, s, h, c)
       JOIN journeys j ON j.id = c.j
     ON CONFLICT (journey_id, hour) DO UPDATE SET sends = journey_breaker_counts.sends + excluded.sends,
       hard_bounces = journey_breaker_counts.hard_bounces + excluded.hard_bounces,
       complaints = journey_breaker_counts.complaints + excluded.complaints`,
    [ids, counts.map((c) => c.sends), counts.map((c) => c.hardBounces), counts.map((c) => c.complaints)],
  );
  return ids;
}

/** Summed window rows (sums as text, as PostgreSQL's bigint sums come back) → the trips among them. */
export function tripsOf(
  rows: ReadonlyArray<{ id: string; sends: string; hard_bounces: string; complaints: string }>,
  settings: BreakerSettings,
): Array<{ id: string; trip: BreakerTrip }> {
  return rows.flatMap((row) => {
    const counts = {
      sends: Number(row.sends),
      hardBounces: Number(row.hard_bounces),
      complaints: Number(row.complaints),
    };
    const trip = breakerVerdict(counts, settings);
    return trip ? [{ id: row.id, trip }] : [];
  });
}

/**
 * A breaker's workspace alert (no message), posted to the workspace's alert webhook by the engagement service when
 * it has one. NOTE: one alert per key (<kind>:<paused thing>:<paused_at>): ON CONFLICT DO NOTHING.
 */
export async function writeBreakerAlert(
  db: Pick<PoolClient, 'query'>,
  alert: { key: string; workspaceId: string; kind: 'journey_paused' | 'sending_domain_paused'; title: string },
  payload: Record<string, unknown>,
): Promise<void> {
  await db.query(
    `INSERT INTO engagement_alerts (alert_key, workspace_id, message_id, kind, title, payload, webhook_state)
     SELECT $1, w.id, NULL, $5, $3, $4,
            CASE WHEN s.alert_webhook_url IS NOT NULL THEN 'pending' ELSE 'none' END
       FROM workspaces w LEFT JOIN engagement_settings s ON s.workspace_id = w.id
      WHERE w.id = $2
     ON CONFLICT (alert_key) DO NOTHING`,
    [alert.key, alert.workspaceId, alert.title, JSON.stringify(payload), alert.kind],
  );
}

/** The live journeys among `journeyIds` whose window trips the breaker, with what tripped it. */
async function trippedJourneys(
  db: Pick<PoolClient, 'query'>,
  journeyIds: readonly string[],
  settings: BreakerSettings,
): Promise<Array<{ journeyId: string; trip: BreakerTrip }>> {
  const { rows } = await db.query<{ id: string; sends: string; hard_bounces: string; complaints: string }>(
    `SELECT b.journey_id::text AS id, sum(b.sends)::text AS sends, sum(b.hard_bounces)::text AS hard_bounces, sum(b.complaints)::text AS complaints
       FROM journey_breaker_counts b JOIN journeys j ON j.id = b.journey_id AND j.status = 'live'
      WHERE b.journey_id = ANY($1::uuid[]) AND b.hour > now() - make_interval(hours => $2::int)
      GROUP BY b.journey_id ORDER BY b.journey_id`,
    [journeyIds, settings.windowHours],
  );
  return tripsOf(rows, settings).map(({ id, trip }) => ({ journeyId: id, trip }));
}

/**
 * Pauses each journey whose window trips the breaker: its status, a milestone and a workspace alert, in the
 * caller's transaction. Returns the journeys paused (for the log).
 *
 * NOTE: a pause is written once: the UPDATE moves a journey from live to paused only while it is live, and only
 * the transaction whose UPDATE returned the row writes its milestone and its alert (key
 * journey_paused:<journey>:<paused_at>, ON CONFLICT DO NOTHING), so a redelivered batch or a second replica pauses
 * nothing twice. A resume deletes the journey's counts, so the window that tripped it does not trip it again.
 */
export async function tripBreakers(
  db: Pick<PoolClient, 'query'>,
  journeyIds: readonly string[],
  settings: BreakerSettings,
): Promise<Array<{ journeyId: string; workspaceId: string; reason: string }>> {
  if (journeyIds.length === 0) return [];
  const paused: Array<{ journeyId: string; workspaceId: string; reason: string }> = [];
  for (const { journeyId, trip } of await trippedJourneys(db, journeyIds, settings)) {
    const { rows } = await db.query<{ workspace_id: string; name: string; paused_at: string }>(
      `UPDATE journeys SET status = 'paused', paused_at = now(), paused_reason = $2, pause_rates = $3, updated_at = now()
        WHERE id = $1 AND status = 'live'
        RETURNING workspace_id::text, name, paused_at::text`,
      [journeyId, trip.reason, JSON.stringify(trip.rates)],
    );
    const journey = rows[0];
    if (!journey) continue;
    await db.query(
      "INSERT INTO journey_milestones (journey_id, workspace_id, status, note) VALUES ($1, $2, 'paused', $3)",
      [journeyId, journey.workspace_id, `paused by the circuit breaker: ${trip.reason}`],
    );
    await writeBreakerAlert(
      db,
      {
        key: `journey_paused:${journeyId}:${journey.paused_at}`,
        workspaceId: journey.workspace_id,
        kind: 'journey_paused',
        title: `Journey "${journey.name}" paused: ${trip.reason}`,
      },
      { journey_id: journeyId, reason: trip.reason, rates: trip.rates },
    );
    paused.push({ journeyId, workspaceId: journey.workspace_id, reason: trip.reason });
  }
  return paused;
}
