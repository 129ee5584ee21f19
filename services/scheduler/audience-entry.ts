import { performance } from 'node:perf_hooks';
import type { Pool } from 'pg';
import type { Tile } from '../../lib/domain/journeys/journey-graph';
import { enterBatch, type EntryBatch } from './entry-batch';
import type { SegmentCombination } from './segment-combination';
import type { JourneyRuntime } from './journey-runtime';

/** Segment members added this long before the last pass are offered entry again (late-committing writers). */
const OVERLAP_MS = 60_000;
/** Statistics are refreshed when a pass has entered this many contacts, then each time the count doubles. */
const FIRST_ANALYZE = 2_000;

const ids = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

function combinationOf(config: Record<string, unknown>): SegmentCombination {
  return {
    include: ids(config.segment_ids),
    combine: config.combine === 'intersection' ? 'intersection' : 'union',
    exclude: ids(config.exclude_segment_ids),
    lists: ids(config.list_ids),
  };
}

/** Contacts of the combination that joined one of its sources after `since` (the dynamic-segment newcomers). */
function newcomersSql(combo: SegmentCombination, params: unknown[], since: string): string {
  params.push(combo.include, combo.lists ?? [], since);
  const n = params.length;
  return `SELECT contact_id FROM segment_members WHERE segment_id = ANY($${n - 2}::uuid[]) AND added_at > $${n}::timestamptz
          UNION SELECT contact_id FROM list_memberships WHERE list_id = ANY($${n - 1}::uuid[]) AND subscribed_at > $${n}::timestamptz`;
}

/**
 * The common case of a later pass: nobody joined since who is not on the journey yet, and the combination is
 * not evaluated at all (a primary-key probe per recent member instead).
 */
async function anyNewcomer(
  pool: Pool,
  combo: SegmentCombination,
  since: string,
  journeyId: string,
  iteration: number,
): Promise<boolean> {
  const params: unknown[] = [];
  const newcomers = newcomersSql(combo, params, since);
  params.push(journeyId, iteration);
  const { rows } = await pool.query<{ any: boolean }>(
    // OFFSET 0 keeps the probe a per-row primary-key lookup: as an anti join, stale statistics after a bulk
    // entry made the planner rescan a materialized journey for every newcomer.
    `SELECT EXISTS (SELECT 1 FROM (${newcomers}) n WHERE NOT EXISTS (
       SELECT 1 FROM journey_contacts jc WHERE jc.journey_id = $${params.length - 1} AND jc.iteration = $${params.length} AND jc.contact_id = n.contact_id OFFSET 0)) AS any`,
    params,
  );
  return rows[0]?.any ?? false;
}

/** Where an entry pass that ran out of time resumes (EntryPasses), per journey and iteration. */
interface PassState {
  since: string | null;
  /** the watermark the pass stores when it completes */
  stamp: string;
  /** index into the journey's tiles and the audience cursor there */
  tileIndex: number;
  after: string;
  /** contacts entered by the pass so far, and when statistics are refreshed next */
  entered: number;
  analyzeAt: number;
}

/** Entry passes in progress in this process: a pass over a large audience spans several ticks. */
export type EntryPasses = Map<string, PassState>;

const FIRST_ID = '00000000-0000-0000-0000-000000000000';

async function startPass(pool: Pool, journeyId: string, iteration: number): Promise<PassState> {
  const { rows } = await pool.query<{ since: string | null; stamp: string }>(
    `SELECT (SELECT entered_through ->> $2 FROM journey_runs WHERE journey_id = $1) AS since, (now() - $3 * interval '1 millisecond')::text AS stamp`,
    [journeyId, String(iteration), OVERLAP_MS],
  );
  const { since = null, stamp = '' } = rows[0] ?? {};
  return { since, stamp, tileIndex: 0, after: FIRST_ID, entered: 0, analyzeAt: FIRST_ANALYZE };
}

interface EntryOptions {
  batchSize: number;
  now: number;
  budgetMs: number;
  passes: EntryPasses;
  onBatch?: (batch: EntryBatch) => void;
}

/** How a segment tile's entry ended: its audience all offered, the pass stopped, or the slice's time spent. */
type TileEntry = 'complete' | 'stopped' | 'out_of_time';

/** Enters one segment tile's audience from the pass's cursor on, batch after batch (enterBatch). */
async function enterSegmentTile(
  pool: Pool,
  journey: JourneyRuntime,
  iteration: number,
  tile: Tile,
  pass: PassState,
  options: EntryOptions & { deadline: number },
): Promise<TileEntry> {
  const combo = combinationOf(tile.config ?? {});
  if (
    pass.after === FIRST_ID &&
    pass.since !== null &&
    !(await anyNewcomer(pool, combo, pass.since, journey.row.id, iteration))
  )
    return 'complete';
  for (;;) {
    const at = { tileId: tile.id, combo, since: pass.since, after: pass.after };
    const batch = await enterBatch(pool, journey, iteration, at, options.batchSize, options.now);
    // Another replica is entering this journey (it stores the watermark when its pass is done), or the journey
    // stopped: either way this pass ends here.
    if (batch === null) return 'stopped';
    pass.entered += batch.entered;
    options.onBatch?.(batch);
    await refreshStatistics(pool, pass);
    if (batch.last === null) return 'complete';
    pass.after = batch.last;
    // After a batch, never before one: every slice makes progress.
    if (performance.now() > options.deadline) return 'out_of_time';
  }
}

/**
 * A journey's rows grow from none to millions within one pass: with statistics from when it had none, the
 * planner probes "already on the journey?" by scanning the whole journey per member instead of one primary-key
 * lookup. Fresh statistics at each doubling keep every probe a lookup (a few ANALYZEs a pass).
 */
async function refreshStatistics(pool: Pool, pass: PassState): Promise<void> {
  if (pass.entered < pass.analyzeAt) return;
  await pool.query('ANALYZE journey_contacts');
  pass.analyzeAt = pass.entered * 2;
}

/** Stores a complete pass's watermark: the next pass offers only members added since. */
async function storeWatermark(pool: Pool, journey: JourneyRuntime, iteration: number, stamp: string): Promise<void> {
  await pool.query(
    `INSERT INTO journey_runs (journey_id, workspace_id, entered_through) VALUES ($1, $2, jsonb_build_object($3::text, $4::text))
     ON CONFLICT (journey_id) DO UPDATE SET entered_through = journey_runs.entered_through || jsonb_build_object($3::text, $4::text), updated_at = now()`,
    [journey.row.id, journey.row.workspace_id, String(iteration), stamp],
  );
}

/**
 * Enters the journey's audience for one iteration, in batches of `batchSize` contacts ordered by id, each batch
 * its own transaction (enterBatch). The first pass offers every member; later passes only members added since
 * the last one. A pass stops after `budgetMs` and resumes where it stopped at the next call (`passes`), so a
 * tick entering a million contacts still completes journeys, finds due contacts and re-wakes triggers every few
 * seconds. The pass's watermark is stored only after every batch landed. Returns the contacts entered by this
 * call and whether the pass is complete.
 */
export async function enterAudience(
  pool: Pool,
  journey: JourneyRuntime,
  iteration: number,
  options: EntryOptions,
): Promise<{ entered: number; done: boolean }> {
  const passKey = `${journey.row.id}:${iteration}`;
  const pass = options.passes.get(passKey) ?? (await startPass(pool, journey.row.id, iteration));
  options.passes.delete(passKey);
  const deadline = performance.now() + options.budgetMs;
  const before = pass.entered;
  const tiles = journey.row.graph.tiles;
  for (; pass.tileIndex < tiles.length; pass.tileIndex++, pass.after = FIRST_ID) {
    const tile = tiles[pass.tileIndex] as Tile;
    if (tile.type !== 'segment') continue;
    const entry = await enterSegmentTile(pool, journey, iteration, tile, pass, { ...options, deadline });
    if (entry === 'stopped') return { entered: pass.entered - before, done: true };
    if (entry === 'out_of_time') {
      options.passes.set(passKey, pass);
      return { entered: pass.entered - before, done: false };
    }
  }
  await storeWatermark(pool, journey, iteration, pass.stamp);
  return { entered: pass.entered - before, done: true };
}
