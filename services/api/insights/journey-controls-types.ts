/**
 * The shape of a journey's controls answer (GET /v1/insights/journeys/{id}/controls), without any server import:
 * services/api/insights computes it and the journey page under /ui reads the same JSON with this type. Definitions:
 * docs/kpis.md#journey-controls.
 */
import type { EntryPacing, QuietHours } from '../../../lib/domain/journeys/journey-graph';

export type JourneyControlsKpis = {
  frequency_cap: {
    /** the journey is transactional: its emails are neither capped nor take a slot */
    transactional: boolean;
    /** the workspace's rules that apply to this journey ([] when transactional or none) */
    rules: Array<{ max_sends: number; window_hours: number }>;
    /** contacts blocked with reason frequency_cap at the journey's email tiles (per iteration, as the tile KPIs count) */
    capped: number;
    capped_by_tile: Array<{ tile_id: string; capped: number }>;
  };
  quiet_hours: {
    /** the window in force: the journey's own, else the workspace's; null for none */
    window: QuietHours | null;
    source: 'journey' | 'workspace' | 'none';
    /** contacts resting at an email tile until the window ends, now */
    held_now: number;
    /** contacts ever held by quiet hours (per iteration), from the contact_held events in ClickHouse */
    held_total: number;
    /** the earliest release of those held, ISO 8601; null when nobody is held */
    next_release_at: string | null;
  };
  entry_pacing: {
    settings: EntryPacing | null;
    /** contacts queued at a segment tile for admission, now */
    queued_now: number;
    /** contacts ever queued by entry pacing (per iteration), from the contact_held events in ClickHouse */
    queued_total: number;
    /** contacts admitted in the last period the engine counted, and when that period started (ISO 8601) */
    admitted_in_period: number;
    period_start: string | null;
  };
};
