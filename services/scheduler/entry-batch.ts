import { performance } from 'node:perf_hooks';
import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../../lib/platform/postgres/pg-pool';
import type { Tile } from '../../lib/domain/journeys/journey-graph';
import { combinationBatchSql, type SegmentCombination } from './segment-combination';
import { ContactFlow } from './contact-flow';
import { queueEntrants } from './entry-pacing';
import { isHeldOut } from '../../lib/domain/journeys/holdout';
import { activeIteration, loadJourney, type JourneyRuntime } from './journey-runtime';
import { StepEffects } from './step-effects';

// One batch of an entry pass (audience-entry.ts): the lock, the audience members, the fresh ones entered.

export interface EntryBatch {
  /** the last audience id looked at (the cursor of the next batch); null when the audience is exhausted */
  last: string | null;
  entered: number;
  outbox: boolean;
  /** how long the batch's transaction took */
  ms: number;
}

/** Where a batch enters: the segment tile, its audience, the pass's watermark and the audience cursor. */
export interface BatchAt {
  tileId: string;
  combo: SegmentCombination;
  since: string | null;
  after: string;
}

/**
 * Whether this transaction may enter contacts into the journey's iteration: it holds the entry lock and the
 * journey is still live in that iteration. `wait`: wait for the lock (a form tile's submitters, web-activity.ts)
 * rather than give up when another transaction holds it (an entry pass, which the next tick resumes).
 */
export async function mayEnter(
  client: PoolClient,
  journeyId: string,
  iteration: number,
  now: number,
  wait = false,
): Promise<boolean> {
  // NOTE: a contact enters at most once per iteration. Entry into a journey and iteration is serialized by
  // this transaction-scoped advisory lock, and members already on the journey are read after it is taken,
  // so the INSERT (journey_contacts' primary key is (journey, iteration, contact)) never meets a row another
  // replica entered; several segment tiles, form tiles and overlapping passes find the contact present and skip it.
  const { rows: lock } = await client.query<{ ok: boolean }>(
    wait
      ? 'SELECT true AS ok FROM (SELECT pg_advisory_xact_lock(hashtext($1::text), $2)) l'
      : 'SELECT pg_try_advisory_xact_lock(hashtext($1::text), $2) AS ok',
    [journeyId, iteration],
  );
  if (!lock[0]?.ok) return false;
  // Entry moves contacts as steps do, so it holds the journey row like a step: a stop through the API waits
  // for this batch, and no batch enters anyone once the journey is no longer live (or this iteration is over).
  const current = await loadJourney(client, journeyId, true);
  return current !== null && activeIteration(current, now) === iteration;
}

interface AudienceMember {
  contact_id: string;
  keep: boolean;
  present: boolean;
  exists: boolean;
  account_id: string | null;
}

/** The next `batchSize` audience members after the cursor, each with whether it exists and is on the journey yet. */
async function audienceBatch(
  client: PoolClient,
  journey: JourneyRuntime,
  iteration: number,
  at: BatchAt,
  batchSize: number,
): Promise<AudienceMember[]> {
  const params: unknown[] = [
    journey.row.workspace_id,
    at.after,
    batchSize,
    journey.row.id,
    iteration,
    ...(at.since === null ? [] : [at.since]),
  ];
  const audience = combinationBatchSql(at.combo, params, {
    workspace: '$1',
    after: '$2',
    limit: '$3',
    ...(at.since === null ? {} : { since: '$6' }),
  });
  const { rows } = await client.query<AudienceMember>(
    // OFFSET 0 keeps each lookup a primary-key probe per member: as joins, the planner hashes the whole
    // contacts table and the whole journey for every batch, and a batch then costs what the tables weigh.
    `SELECT a.contact_id, a.keep, c.id IS NOT NULL AS exists, c.account_id,
            EXISTS (SELECT 1 FROM journey_contacts jc WHERE jc.journey_id = $4 AND jc.iteration = $5 AND jc.contact_id = a.contact_id OFFSET 0) AS present
     FROM (${audience}) a LEFT JOIN LATERAL (SELECT id, account_id FROM contacts WHERE id = a.contact_id OFFSET 0) c ON true
     ORDER BY a.contact_id`,
    params,
  );
  return rows;
}

/**
 * The fresh members enter at the entry tile (segment or form) and go through the journey as far as they can now
 * (ContactFlow), or, on a paced journey, wait there for admission; every side effect is written in the caller's
 * transaction, which holds the entry lock (mayEnter). True when the outbox got rows.
 */
export async function enterFresh(
  client: PoolClient,
  journey: JourneyRuntime,
  iteration: number,
  tileId: string,
  fresh: ReadonlyArray<Pick<AudienceMember, 'contact_id' | 'account_id'>>,
  now: number,
): Promise<boolean> {
  const effects = new StepEffects();
  const tile = journey.index.byId.get(tileId) as Tile;
  for (const r of fresh) effects.event('tile_inflow', tile, iteration, r.contact_id);
  if (journey.row.settings.entry_pacing) {
    // A paced journey: the fresh members wait at the segment tile for admission (entry-pacing.ts).
    const entrants = fresh.map((r) => ({ contactId: r.contact_id, accountId: r.account_id }));
    // once per (journey, tile, iteration, contact), as its tile_inflow: a member enters an iteration once
    for (const r of fresh) effects.event('contact_held', tile, iteration, r.contact_id, 'entry_pacing');
    await queueEntrants(client, journey.row.id, iteration, tileId, entrants, now);
  } else {
    const flow = await ContactFlow.open(
      { client, journey, now, effects },
      fresh.map((r) => r.contact_id),
    );
    for (const r of fresh)
      flow.arrive(tileId, { iteration, contactId: r.contact_id, accountId: r.account_id, timeZone: null });
    await flow.run();
  }
  await effects.write(client, { id: journey.row.id, workspaceId: journey.row.workspace_id }, now, true);
  await markHeldOut(client, journey, iteration, fresh);
  return effects.hasOutbox;
}

/**
 * Records the holdout group of the contacts that just entered (docs/scheduler.md#holdout), in entry's transaction:
 * the email tile decides by the same hash (isHeldOut), the column is what the holdout insights read.
 */
async function markHeldOut(
  client: PoolClient,
  journey: JourneyRuntime,
  iteration: number,
  fresh: ReadonlyArray<Pick<AudienceMember, 'contact_id'>>,
): Promise<void> {
  const holdout = journey.row.settings.holdout;
  const held = fresh.filter((r) => isHeldOut(holdout, journey.row.id, r.contact_id)).map((r) => r.contact_id);
  if (held.length === 0) return;
  await client.query(
    'UPDATE journey_contacts SET held_out = true WHERE journey_id = $1 AND iteration = $2 AND contact_id = ANY($3::uuid[])',
    [journey.row.id, iteration, held],
  );
}

/**
 * One batch of entry: the next `batchSize` audience members after `at.after`, of whom those not yet on the
 * journey enter at the segment tile and go through the journey as far as they can now, their rows inserted
 * where they came to rest, with every side effect, in this one transaction. Null when another replica holds
 * the journey's entry lock.
 */
export async function enterBatch(
  pool: Pool,
  journey: JourneyRuntime,
  iteration: number,
  at: BatchAt,
  batchSize: number,
  now: number,
): Promise<EntryBatch | null> {
  const started = performance.now();
  const batch = await inTransaction(pool, async (client): Promise<Omit<EntryBatch, 'ms'> | null> => {
    if (!(await mayEnter(client, journey.row.id, iteration, now))) return null;
    const rows = await audienceBatch(client, journey, iteration, at, batchSize);
    const last = rows.length < batchSize ? null : (rows[rows.length - 1]?.contact_id ?? null);
    const fresh = rows.filter((r) => r.keep && r.exists && !r.present);
    if (fresh.length === 0) return { last, entered: 0, outbox: false };
    const outbox = await enterFresh(client, journey, iteration, at.tileId, fresh, now);
    return { last, entered: fresh.length, outbox };
  });
  return batch && { ...batch, ms: Math.round(performance.now() - started) };
}
