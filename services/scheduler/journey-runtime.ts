import type { PoolClient } from 'pg';
import {
  indexGraph,
  topologicalOrder,
  type GraphIndex,
  type JourneyGraph,
  type JourneySettings,
  type Tile,
} from '../../lib/domain/journeys/journey-graph';
import { iterationAt, iterationStart } from '../../lib/domain/journeys/journey-iterations';

export interface JourneyRow {
  id: string;
  workspace_id: string;
  status: string;
  graph: JourneyGraph;
  settings: JourneySettings;
}

/** A live journey as the engine sees it: the graph indexed once, the schedule turned into instants. */
export interface JourneyRuntime {
  row: JourneyRow;
  index: GraphIndex;
  /** tile ids, every tile after its predecessors */
  order: string[];
  zone: string;
  startAt: number;
  endAt: number;
}

const indexes = new Map<string, { graph: JourneyGraph; index: GraphIndex; order: string[] }>();

export function runtimeOf(row: JourneyRow): JourneyRuntime {
  // The graph of a live journey never changes (the API edits drafts only), so its index is built once.
  let cached = indexes.get(row.id);
  if (!cached || JSON.stringify(cached.graph) !== JSON.stringify(row.graph)) {
    const index = indexGraph(row.graph);
    cached = { graph: row.graph, index, order: topologicalOrder(index) };
    indexes.set(row.id, cached);
  }
  const recurring = row.settings.recurring;
  const startAt = Date.parse(row.settings.start_at);
  const zone = row.settings.time_zone || 'UTC';
  const scheduleEnd = recurring
    ? iterationStart(startAt, zone, recurring.interval_days, recurring.count)
    : Number.POSITIVE_INFINITY;
  return {
    row,
    index: cached.index,
    order: cached.order,
    zone,
    startAt,
    endAt: Math.min(Date.parse(row.settings.end_at), scheduleEnd),
  };
}

/**
 * The iteration being processed at `now`, or null outside the schedule. A recurring journey runs iteration k
 * from iterationStart(k) to iterationStart(k + 1); contacts of an earlier iteration stop where they are.
 */
export function activeIteration(journey: JourneyRuntime, now: number): number | null {
  if (journey.row.status !== 'live' || now < journey.startAt || now >= journey.endAt) return null;
  const recurring = journey.row.settings.recurring;
  if (!recurring) return 0;
  return iterationAt(journey.startAt, journey.zone, recurring.interval_days, now);
}

/** Loads a journey; `lock` takes a share lock so a stop through the API waits for the step and then wins. */
export async function loadJourney(
  db: Pick<PoolClient, 'query'>,
  journeyId: string,
  lock = false,
): Promise<JourneyRuntime | null> {
  const { rows } = await db.query<JourneyRow>(
    `SELECT id, workspace_id, status, graph, settings FROM journeys WHERE id = $1${lock ? ' FOR SHARE' : ''}`,
    [journeyId],
  );
  return rows[0] ? runtimeOf(rows[0]) : null;
}

export function tileOf(journey: JourneyRuntime, tileId: string): Tile | undefined {
  return journey.index.byId.get(tileId);
}

export function nextOf(journey: JourneyRuntime, tileId: string): string[] {
  return journey.index.successors.get(tileId) ?? [];
}

export const targetsAccounts = (journey: JourneyRuntime): boolean => journey.row.settings.target === 'accounts';
