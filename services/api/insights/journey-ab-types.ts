/**
 * The shape of an A/B test tile's answer (GET /v1/insights/journeys/{id}/tiles/{tileId}/ab), without any server
 * import: services/api/insights computes it and the journey page under /ui reads the same JSON with this type.
 * Definitions: docs/kpis.md#ab-test.
 */
export type AbVariantKpis = {
  variant: number;
  label: string;
  email_id: string;
  /** in the test: send requests, sent (handed to SMTP), and of the sent the unique opens, unique clicks, goal */
  requested: number;
  sent: number;
  unique_opens: number;
  unique_clicks: number;
  goal: number;
  open_rate: number | null;
  click_rate: number | null;
  goal_rate: number | null;
  /** the leader against this variant on the tile's metric; null for the leader */
  z: number | null;
  p_value: number | null;
  /** contacts sent this variant as the winner, after the decision */
  winner_sent: number;
};

export type JourneyAbKpis = {
  tile_id: string;
  metric: string;
  test_share: number;
  min_sample: number;
  /** minutes a send must have had before significance counts it (the window's end counts every send) */
  settle_minutes: number;
  confidence: number;
  fallback: string;
  /** the test window of the iteration; null before any contact reached the tile */
  started_at: string | null;
  ends_at: string | null;
  variants: AbVariantKpis[];
  leader: number | null;
  confidence_reached: number;
  significant: boolean;
  decision: { winner: number; label: string; reason: string; decided_at: string } | null;
  /** contacts waiting at the tile for the decision (Processing), reason ab_waiting */
  waiting: { contacts: number; reason: string };
};
