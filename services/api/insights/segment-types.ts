/**
 * The segment insights' answer (GET /v1/insights/segments/{id}, docs/kpis.md#segment-membership): read by the route
 * and the /ui segment page. Imports nothing, so the browser bundle pulls in no server code.
 */

export interface SegmentDay {
  day: string;
  entered: number;
  exited: number;
  /** members at the end of the day; null on a day not counted (before the segment, or before counting began) */
  members: number | null;
}

export type SegmentUse = 'entry' | 'exclusion' | 'suppression';

export interface SegmentJourney {
  id: string;
  name: string;
  status: string;
  uses: Array<{ how: SegmentUse; tile_id: string | null }>;
}

export interface SegmentInsights {
  segment: { id: string; name: string; kind: string };
  member_count: number;
  from: string;
  to: string;
  days: SegmentDay[];
  journeys: SegmentJourney[];
}
