import { performance } from 'node:perf_hooks';
import type { Pool } from 'pg';
import { inTransaction } from '../../lib/platform/postgres/pg-pool';
import type { Tile } from '../../lib/domain/journeys/journey-graph';
import { combinationBatchSql, type SegmentCombination } from './segment-combination';
import { ContactFlow } from './contact-flow';
import { activeIteration, loadJourney, type JourneyRuntime } from './journey-runtime';
import { StepEffects } from './step-effects';

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

interface EntryBatch {
  /** the last audience id looked at (the cursor of the next batch); null when the audience is exhausted */
  last: string | null;
  entered: number;
  outbox: boolean;
  /** how long the batch's transaction took */
  ms: number;
}

/**
 * One batch of entry: the next `batchSize` audience members after `after`, of whom those not yet on the journey
 * enter at the segment tile and go through the journey as far as they can now (ContactFlow), their rows
 * inserted where they came to rest, with every side effect, in this one transaction. Null when another
 * replica holds the journey's entry lock.
 */
async function enterBatch(
  pool: Pool,
  journey: JourneyRuntime,
  iteration: number,
  tileId: string,
  combo: SegmentCombination,
  since: string | null,
  after: string,
  batchSize: number,
  now: number,
): Promise<EntryBatch | null> {
  const journeyId = journey.row.id;
  const started = performance.now();
  const batch = await inTransaction(pool, async (client): Promise<Omit<EntryBatch, 'ms'> | null> => {
    // NOTE: a contact enters at most once per iteration. Entry into a journey and iteration is serialized by
    // this transaction-scoped advisory lock, and members already on the journey are read after it is taken,
    // so the INSERT (journey_contacts' primary key is (journey, iteration, contact)) never meets a row another
    // replica entered; several segment tiles and overlapping passes find the contact present and skip it.
    const { rows: lock } = await client.query<{ ok: boolean }>(
      'SELECT pg_try_advisory_xact_lock(hashtext($1::text), $2) AS ok',
      [journeyId, iteration],
    );
    if (!lock[0]?.ok) return null;
    // Entry moves contacts as steps do, so it holds the journey row like a step: a stop through the API waits
    // for this batch, and no batch enters anyone once the journey is no longer live (or this iteration is over).
    const current = await loadJourney(client, journeyId, true);
    if (!current || activeIteration(current, now) !== iteration) return null;
    const params: unknown[] = [
      journey.row.workspace_id,
      after,
      batchSize,
      journeyId,
      iteration,
      ...(since === null ? [] : [since]),
    ];
    const audience = combinationBatchSql(combo, params, {
      workspace: '$1',
      after: '$2',
      limit: '$3',
      ...(since === null ? {} : { since: '$6' }),
    });
    const { rows } = await client.query<{
      contact_id: string;
      keep: boolean;
      present: boolean;
      exists: boolean;
      account_id: string | null;
    }>(
      // OFFSET 0 keeps each lookup a primary-key probe per member: as joins, the planner hashes the whole
      // contacts table and the whole journey for every batch, and a batch then costs what the tables weigh.
      `SELECT a.contact_id, a.keep, c.id IS NOT NULL AS exists, c.account_id,
              EXISTS (SELECT 1 FROM journey_contacts jc WHERE jc.journey_id = $4 AND jc.iteration = $5 AND jc.contact_id = a.contact_id OFFSET 0) AS present
       FROM (${audience}) a LEFT JOIN LATERAL (SELECT id, account_id FROM contacts WHERE id = a.contact_id OFFSET 0) c ON true
       ORDER BY a.contact_id`,
      params,
    );
    const last = rows.length < batchSize ? null : (rows[rows.length - 1]?.contact_id ?? null);
    const fresh = rows.filter((r) => r.keep && r.exists && !r.present);
    if (fresh.length === 0) return { last, entered: 0, outbox: false };
    const effects = new StepEffects();
    const flow = await ContactFlow.open(
      { client, journey, now, effects },
      fresh.map((r) => r.contact_id),
    );
    const tile = journey.index.byId.get(tileId) as Tile;
    for (const r of fresh) {
      effects.event('tile_inflow', tile, iteration, r.contact_id);
      flow.arrive(tileId, { iteration, contactId: r.contact_id, accountId: r.account_id, timeZone: null });
    }
    await flow.run();
    await effects.write(client, { id: journeyId, workspaceId: journey.row.workspace_id }, now, true);
    return { last, entered: fresh.length, outbox: effects.hasOutbox };
  });
  return batch && { ...batch, ms: Math.round(performance.now() - started) };
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
  options: {
    batchSize: number;
    now: number;
    budgetMs: number;
    passes: EntryPasses;
    onBatch?: (batch: EntryBatch) => void;
  },
): Promise<{ entered: number; done: boolean }> {
  const journeyId = journey.row.id;
  const passKey = `${journeyId}:${iteration}`;
  const pass = options.passes.get(passKey) ?? (await startPass(pool, journeyId, iteration));
  options.passes.delete(passKey);
  const deadline = performance.now() + options.budgetMs;
  const before = pass.entered;
  const tiles = journey.row.graph.tiles;
  for (; pass.tileIndex < tiles.length; pass.tileIndex++, pass.after = FIRST_ID) {
    const tile = tiles[pass.tileIndex] as Tile;
    if (tile.type !== 'segment') continue;
    const combo = combinationOf(tile.config ?? {});
    if (
      pass.after === FIRST_ID &&
      pass.since !== null &&
      !(await anyNewcomer(pool, combo, pass.since, journeyId, iteration))
    )
      continue;
    for (;;) {
      const batch = await enterBatch(
        pool,
        journey,
        iteration,
        tile.id,
        combo,
        pass.since,
        pass.after,
        options.batchSize,
        options.now,
      );
      // Another replica is entering this journey (it stores the watermark when its pass is done), or the journey
      // stopped: either way this pass ends here.
      if (batch === null) return { entered: pass.entered - before, done: true };
      pass.entered += batch.entered;
      options.onBatch?.(batch);
      // A journey's rows grow from none to millions within one pass: with statistics from when it had none, the
      // planner probes "already on the journey?" by scanning the whole journey per member instead of one
      // primary-key lookup. Fresh statistics at each doubling keep every probe a lookup (a few ANALYZEs a pass).
      if (pass.entered >= pass.analyzeAt) {
        await pool.query('ANALYZE journey_contacts');
        pass.analyzeAt = pass.entered * 2;
      }
      if (batch.last === null) break;
      pass.after = batch.last;
      // After a batch, never before one: every slice makes progress.
      if (performance.now() > deadline) {
        options.passes.set(passKey, pass);
        return { entered: pass.entered - before, done: false };
      }
    }
  }
  await pool.query(
    `INSERT INTO journey_runs (journey_id, workspace_id, entered_through) VALUES ($1, $2, jsonb_build_object($3::text, $4::text))
     ON CONFLICT (journey_id) DO UPDATE SET entered_through = journey_runs.entered_through || jsonb_build_object($3::text, $4::text), updated_at = now()`,
    [journeyId, journey.row.workspace_id, String(iteration), pass.stamp],
  );
  return { entered: pass.entered - before, done: true };
}
