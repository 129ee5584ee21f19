import type { PoolClient } from 'pg';
import type { JourneyEventType } from '../../lib/contracts/events/event-types';
import { sendBatches, type SendRequest } from '../../lib/contracts/sending/send-request';
import {
  EVENTS_PER_ROW,
  type EventsPayload,
  type LeadsPayload,
  type TileEventGroup,
  type WebhookPayload,
} from './outbox-messages';

/**
 * 'at' (to be processed by the tile): contacts entry pacing admitted (entry-pacing.ts), or rows written before a step
 * ran them; steps move contacts to rest.
 */
export type StateName = 'at' | 'waiting' | 'done' | 'blocked' | 'failed';

export interface Move {
  iteration: number;
  contactId: string;
  accountId: string | null;
  tileId: string;
  state: StateName;
  /** epoch ms; null when not waiting */
  dueAt: number | null;
}

interface RecordRow {
  onceKey: string;
  contactId: string | null;
  accountId: string | null;
  tileId: string;
  /** the tile's owner_id; resolved in the workspace at insert, so a user deleted since go-live leaves it unowned */
  ownerId: string | null;
}

export interface TaskRow extends RecordRow {
  kind: string;
  subject: string;
  dueAt: number | null;
}

export interface LeadRow extends RecordRow {
  title: string;
  /** the contact whose arrival made it (an account's lead has no contact_id): its lead_generated event's contact */
  arrivedContactId: string;
  iteration: number;
}

/**
 * Everything one tile step changes, written in the step's transaction: each contact's position when the step
 * is done with it, tasks, leads and the outbox rows (send batches, tile events, webhooks).
 *
 * NOTE: exactly once. A contact's row leaves (tile, state) only in the transaction that also writes every side
 * effect of everything it went through in that step, so a crash before COMMIT leaves neither and the contact is
 * processed again, and a crash after leaves both and the contact is never claimed again (the claim filters on
 * tile and state, under FOR UPDATE SKIP LOCKED, so two replicas never hold the same contact; entry inserts
 * under a per-journey lock, entry-batch.ts). Tasks, leads and webhooks are also unique by their
 * journey:tile:iteration:(contact|account) key, which makes per-account side effects once per account across
 * batches. What leaves PostgreSQL goes through the outbox and is relayed idempotently (outbox-relay.ts).
 */
export class StepEffects {
  /** the last position of each contact the step touched, by iteration:contact */
  private readonly positions = new Map<string, Move>();
  private readonly groups = new Map<string, TileEventGroup>();
  private eventCount = 0;
  readonly sends: SendRequest[] = [];
  readonly webhooks: Array<{ onceKey: string; payload: WebhookPayload }> = [];
  readonly tasks: TaskRow[] = [];
  readonly leads: LeadRow[] = [];

  event(
    type: JourneyEventType,
    tile: { id: string; type: string },
    iteration: number,
    contactId: string,
    detail = '',
  ): void {
    const key = `${type}\u0000${tile.id}\u0000${iteration}\u0000${detail}`;
    let group = this.groups.get(key);
    if (!group) {
      group = [type, tile.id, tile.type, iteration, detail, []];
      this.groups.set(key, group);
    }
    group[5].push(contactId);
    this.eventCount++;
  }

  /** Where the contact rests for now; a later move of the same contact in the same step replaces it. */
  move(move: Move): void {
    this.positions.set(`${move.iteration}:${move.contactId}`, move);
  }

  get moves(): Move[] {
    return [...this.positions.values()];
  }

  get hasOutbox(): boolean {
    return this.eventCount + this.sends.length + this.webhooks.length + this.leads.length > 0;
  }

  /**
   * `entered`: the contacts are new to the journey (entry) and their rows are inserted where they came to rest;
   * otherwise their claimed rows are updated. A plain INSERT: entry holds the journey's entry lock and inserts
   * only contacts it found absent, so a conflict is a bug that must roll the side effects back with it.
   */
  async write(
    client: PoolClient,
    journey: { id: string; workspaceId: string },
    now: number,
    entered = false,
  ): Promise<void> {
    await this.writePositions(client, journey.id, entered);
    const leads = await this.writeRecords(client, journey);
    await writeLeadEvents(client, journey, now, leads);
    for (const job of sendBatches(this.sends))
      await client.query(`INSERT INTO journey_outbox (kind, payload) VALUES ('send', $1)`, [JSON.stringify(job)]);
    for (const groups of this.eventRows())
      await client.query(`INSERT INTO journey_outbox (kind, payload) VALUES ('events', $1)`, [
        JSON.stringify({
          v: 1,
          workspace_id: journey.workspaceId,
          journey_id: journey.id,
          event_time: now,
          groups,
        } satisfies EventsPayload),
      ]);
    if (this.webhooks.length > 0)
      await client.query(
        `INSERT INTO journey_outbox (kind, once_key, payload) SELECT 'webhook', k, p FROM unnest($1::text[], $2::jsonb[]) AS w(k, p)
         ON CONFLICT (once_key) DO NOTHING`,
        [this.webhooks.map((w) => w.onceKey), this.webhooks.map((w) => JSON.stringify(w.payload))],
      );
  }

  /** The groups cut into rows of at most EVENTS_PER_ROW events. */
  private *eventRows(): Generator<TileEventGroup[]> {
    let row: TileEventGroup[] = [];
    let size = 0;
    for (const [type, tileId, tileType, iteration, detail, contacts] of this.groups.values()) {
      for (let i = 0; i < contacts.length;) {
        const take = Math.min(contacts.length - i, EVENTS_PER_ROW - size);
        row.push([type, tileId, tileType, iteration, detail, contacts.slice(i, i + take)]);
        size += take;
        i += take;
        if (size === EVENTS_PER_ROW) {
          yield row;
          row = [];
          size = 0;
        }
      }
    }
    if (row.length > 0) yield row;
  }

  private async writePositions(client: PoolClient, journeyId: string, entered: boolean): Promise<void> {
    const moves = this.moves;
    if (moves.length === 0) return;
    const columns = [
      journeyId,
      moves.map((m) => m.iteration),
      moves.map((m) => m.contactId),
      moves.map((m) => m.tileId),
      moves.map((m) => m.state),
      moves.map((m) => (m.dueAt === null ? null : new Date(m.dueAt).toISOString())),
    ];
    if (entered)
      await client.query(
        `INSERT INTO journey_contacts (journey_id, iteration, contact_id, tile_id, state, due_at, account_id)
         SELECT $1, m.* FROM unnest($2::int[], $3::uuid[], $4::text[], $5::text[], $6::timestamptz[], $7::uuid[]) AS m`,
        [...columns, moves.map((m) => m.accountId)],
      );
    else
      await client.query(
        `UPDATE journey_contacts jc SET tile_id = m.tile_id, state = m.state, due_at = m.due_at
         FROM unnest($2::int[], $3::uuid[], $4::text[], $5::text[], $6::timestamptz[]) AS m(iteration, contact_id, tile_id, state, due_at)
         WHERE jc.journey_id = $1 AND jc.iteration = m.iteration AND jc.contact_id = m.contact_id`,
        columns,
      );
  }

  /** Tasks and leads; returns the leads this transaction created (a key seen before creates none). */
  private async writeRecords(
    client: PoolClient,
    journey: { id: string; workspaceId: string },
  ): Promise<LeadsPayload['leads']> {
    const common = (rows: RecordRow[]) => [
      journey.workspaceId,
      journey.id,
      rows.map((r) => r.onceKey),
      rows.map((r) => r.contactId),
      rows.map((r) => r.accountId),
      rows.map((r) => r.tileId),
      rows.map((r) => r.ownerId),
    ];
    const owned = (table: string, columns: string, types: string) =>
      `INSERT INTO ${table} (workspace_id, journey_id, once_key, contact_id, account_id, tile_id, owner_id, ${columns})
       SELECT $1, $2, r.once_key, r.contact_id, r.account_id, r.tile_id, u.id, ${columns}
       FROM unnest($3::text[], $4::uuid[], $5::uuid[], $6::text[], $7::uuid[], ${types})
         AS r(once_key, contact_id, account_id, tile_id, owner_id, ${columns})
       LEFT JOIN users u ON u.id = r.owner_id AND u.workspace_id = $1
       ON CONFLICT (once_key) DO NOTHING RETURNING id::text, once_key`;
    if (this.tasks.length > 0)
      await client.query(owned('tasks', 'kind, subject, due_at', '$8::text[], $9::text[], $10::timestamptz[]'), [
        ...common(this.tasks),
        this.tasks.map((t) => t.kind),
        this.tasks.map((t) => t.subject),
        this.tasks.map((t) => (t.dueAt === null ? null : new Date(t.dueAt).toISOString())),
      ]);
    if (this.leads.length === 0) return [];
    const { rows } = await client.query<{ id: string; once_key: string }>(owned('leads', 'title', '$8::text[]'), [
      ...common(this.leads),
      this.leads.map((l) => l.title),
    ]);
    const byKey = new Map(this.leads.map((l) => [l.onceKey, l]));
    return rows.flatMap((row) => {
      const lead = byKey.get(row.once_key);
      return lead
        ? [
            {
              lead_id: row.id,
              once_key: row.once_key,
              contact_id: lead.arrivedContactId,
              tile_id: lead.tileId,
              iteration: lead.iteration,
            },
          ]
        : [];
    });
  }
}

/**
 * The `lead_generated` events of the leads this step created, as one outbox row (outbox-relay.ts publishes them).
 *
 * NOTE: a create-lead tile's lead is one event. The row is written only for leads the insert created (RETURNING after
 * ON CONFLICT (once_key) DO NOTHING), in the transaction that created them, so a replayed step, a second contact of
 * an account or a crash before COMMIT writes no second row; a row relayed again keeps its event ids (derived from
 * the once keys), which the aggregator counts once.
 */
async function writeLeadEvents(
  client: PoolClient,
  journey: { id: string; workspaceId: string },
  now: number,
  leads: LeadsPayload['leads'],
): Promise<void> {
  for (let i = 0; i < leads.length; i += EVENTS_PER_ROW) {
    const payload: LeadsPayload = {
      v: 1,
      workspace_id: journey.workspaceId,
      journey_id: journey.id,
      event_time: now,
      leads: leads.slice(i, i + EVENTS_PER_ROW),
    };
    await client.query(`INSERT INTO journey_outbox (kind, payload) VALUES ('leads', $1)`, [JSON.stringify(payload)]);
  }
}
