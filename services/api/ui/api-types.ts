/**
 * The JSON the insights pages read, as services/api answers it (docs/api.md). The insights answers' types are
 * services/api/insights' and lib/domain/journeys' own (files that import nothing, so the browser bundle pulls in no server code).
 */
import type { JourneyGraph, JourneySettings } from '../../../lib/domain/journeys/journey-graph';
import type { HeatLink } from '../insights/insights-types';

export type {
  ContactTimeline,
  CountryKpis,
  DeliveryBreakdown,
  EmailKpis,
  HeatLink,
  LinkKpis,
  ResponsesOnDay,
  TileContact,
  TileKpis,
  TimelineEntry,
} from '../insights/insights-types';
export type { Tile as JourneyTile } from '../../../lib/domain/journeys/journey-graph';

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface EmailRow {
  id: string;
  name: string;
  status: string;
  live_version: number | null;
  draft?: { subject?: string };
  created_at?: string;
}

export interface JourneyRow {
  id: string;
  name: string;
  status: string;
  graph: JourneyGraph;
  settings?: Partial<JourneySettings>;
  went_live_at?: string | null;
}

export interface Workspace {
  id: string;
  name: string;
  time_zone: string;
}

/** GET /v1/insights/emails/{id}/heatmap */
export interface Heatmap {
  version: number;
  frame_url: string;
  expires_in: number;
  links: HeatLink[];
}

export interface ContactRow {
  id: string;
  email?: string | null;
  first_name?: string | null;
  last_name?: string | null;
}

export type {
  FormDay,
  FormKpis,
  PageCountry,
  PageDay,
  PageKpis,
  PageVisit,
  SubmissionRow,
} from '../insights/page-form-types';

export type { SegmentDay, SegmentInsights, SegmentJourney } from '../insights/segment-types';

/** GET /v1/segments: only what the insights pages show */
export interface SegmentRow {
  id: string;
  name: string;
  kind: string;
  member_count: number;
  refreshed_at: string | null;
}

export type { RedirectClick, RedirectInsights } from '../insights/redirect-url-types';

/** GET /v1/redirect-urls/{id}: what the redirect URL page shows */
export interface RedirectUrlRow {
  id: string;
  name: string;
  code: string;
  destination: string;
  short_url: string;
  disabled: boolean;
  created_at: string;
  disabled_at: string | null;
}

/** GET /v1/pages/{id}, /v1/forms/{id}: only what the insights pages show */
export interface PageOrFormRow {
  id: string;
  name: string;
  status: string;
  live_version?: number | null;
}
