import type { Pool, PoolClient } from 'pg';
import type { VariantCounts } from './ab-stats';
import type { AbMetric } from './ab-test';

/** One variant's counts among the contacts the tile sent it to (in the test, or as the winner afterwards). */
export interface AbVariantRow {
  variant: number;
  /** send requests the tile made (the contacts it was addressed to) */
  requested: number;
  /** handed to SMTP (the sender's send event): the glossary's Sent */
  sent: number;
  unique_opens: number;
  unique_clicks: number;
  goal: number;
}

/**
 * The counts of an A/B test tile per variant, from PostgreSQL (docs/scheduler.md#ab-test): journey_ab_sends names
 * each contact's variant; journey_engagements holds one row per (contact, kind) of the tile's human engagement,
 * which the engagement consumer writes once per event key, so a contact is counted at most once per kind (a
 * unique open, a unique click) and replays add nothing; journey_goals holds the journey goal once per contact.
 * Opens, clicks and goals count among the sent only, so a rate never exceeds 1.
 */
export async function abVariantRows(
  db: Pick<Pool | PoolClient, 'query'>,
  test: { journeyId: string; iteration: number; tileId: string; inTest: boolean },
): Promise<AbVariantRow[]> {
  const has = (kind: string) =>
    `EXISTS (SELECT 1 FROM journey_engagements e WHERE e.journey_id = s.journey_id AND e.iteration = s.iteration
       AND e.email_tile_id = s.tile_id AND e.contact_id = s.contact_id AND e.kind = '${kind}')`;
  const { rows } = await db.query<AbVariantRow>(
    `SELECT variant, count(*)::int AS requested,
            count(*) FILTER (WHERE sent)::int AS sent,
            count(*) FILTER (WHERE sent AND opened)::int AS unique_opens,
            count(*) FILTER (WHERE sent AND clicked)::int AS unique_clicks,
            count(*) FILTER (WHERE sent AND goal)::int AS goal
     FROM (SELECT s.variant, ${has('delivered')} AS sent, ${has('opened')} AS opened, ${has('clicked')} AS clicked,
                  EXISTS (SELECT 1 FROM journey_goals g WHERE g.journey_id = s.journey_id AND g.iteration = s.iteration
                          AND g.contact_id = s.contact_id) AS goal
           FROM journey_ab_sends s
           WHERE s.journey_id = $1 AND s.iteration = $2 AND s.tile_id = $3 AND s.in_test = $4) x
     GROUP BY variant ORDER BY variant`,
    [test.journeyId, test.iteration, test.tileId, test.inTest],
  );
  return rows;
}

/** Every variant's row (zeros for a variant with no send yet). */
export function completeRows(rows: AbVariantRow[], variants: number): AbVariantRow[] {
  return Array.from(
    { length: variants },
    (_, variant) =>
      rows.find((r) => r.variant === variant) ?? {
        variant,
        requested: 0,
        sent: 0,
        unique_opens: 0,
        unique_clicks: 0,
        goal: 0,
      },
  );
}

/** The counts the test decides on: each variant's sent, and its contacts who met the metric. */
export const metricCounts = (rows: AbVariantRow[], metric: AbMetric): VariantCounts[] =>
  rows.map((r) => ({ sent: r.sent, successes: r[metric] }));
