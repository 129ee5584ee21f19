import type { PoolClient } from 'pg';
import type { JourneyEventType } from '../../lib/events/event-types';
import { MAX_SEND_BATCH, type SendRequest } from '../../lib/sending/send-request';

/** One tile event, compact: the relay expands it into the Avro contract (tile-event-relay in outbox-relay.ts). */
export type TileEventRecord = [type: JourneyEventType, tileId: string, tileType: string, iteration: number, contactId: string, detail: string];

export interface EventsPayload {
  workspace_id: string;
  journey_id: string;
  event_time: number;
  events: TileEventRecord[];
}

export interface WebhookPayload {
  url: string;
  workspace_id: string;
  body: Record<string, unknown>;
}

export type StateName = 'at' | 'waiting' | 'done' | 'blocked' | 'failed';

export interface Move {
  iteration: number;
  contactId: string;
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
}

export interface TaskRow extends RecordRow {
  kind: string;
  subject: string;
  dueAt: number | null;
}

export interface LeadRow extends RecordRow {
  title: string;
}

/**
 * Everything one tile step changes, written in the step's transaction: the contacts' moves, tasks, leads and
 * the outbox rows (send batches, tile events, webhooks).
 *
 * NOTE: exactly once. A contact's row leaves (tile, state) only in the transaction that also writes every side
 * effect of that move, so a crash before COMMIT leaves neither and the contact is processed again, and a crash
 * after leaves both and the contact is never claimed again (the claim filters on tile and state, under
 * FOR UPDATE SKIP LOCKED, so two replicas never hold the same contact). Tasks, leads and webhooks are also unique
 * by their journey:tile:iteration:(contact|account) key, which makes per-account side effects once per account
 * across batches. What leaves PostgreSQL goes through the outbox and is relayed idempotently (outbox-relay.ts).
 */
export class StepEffects {
  readonly moves: Move[] = [];
  readonly events: TileEventRecord[] = [];
  readonly sends: SendRequest[] = [];
  readonly webhooks: Array<{ onceKey: string; payload: WebhookPayload }> = [];
  readonly tasks: TaskRow[] = [];
  readonly leads: LeadRow[] = [];

  event(type: JourneyEventType, tile: { id: string; type: string }, iteration: number, contactId: string, detail = ''): void {
    this.events.push([type, tile.id, tile.type, iteration, contactId, detail]);
  }

  async write(client: PoolClient, journey: { id: string; workspaceId: string }, now: number): Promise<void> {
    await this.writeMoves(client, journey.id);
    await this.writeRecords(client, journey);
    for (let i = 0; i < this.sends.length; i += MAX_SEND_BATCH)
      await client.query(`INSERT INTO journey_outbox (kind, payload) VALUES ('send', $1)`, [JSON.stringify(this.sends.slice(i, i + MAX_SEND_BATCH))]);
    if (this.events.length > 0) {
      const payload: EventsPayload = { workspace_id: journey.workspaceId, journey_id: journey.id, event_time: now, events: this.events };
      await client.query(`INSERT INTO journey_outbox (kind, payload) VALUES ('events', $1)`, [JSON.stringify(payload)]);
    }
    if (this.webhooks.length > 0)
      await client.query(
        `INSERT INTO journey_outbox (kind, once_key, payload) SELECT 'webhook', k, p FROM unnest($1::text[], $2::jsonb[]) AS w(k, p)
         ON CONFLICT (once_key) DO NOTHING`,
        [this.webhooks.map((w) => w.onceKey), this.webhooks.map((w) => JSON.stringify(w.payload))],
      );
  }

  private async writeMoves(client: PoolClient, journeyId: string): Promise<void> {
    if (this.moves.length === 0) return;
    await client.query(
      `UPDATE journey_contacts jc SET tile_id = m.tile_id, state = m.state, due_at = m.due_at
       FROM unnest($2::int[], $3::uuid[], $4::text[], $5::text[], $6::timestamptz[]) AS m(iteration, contact_id, tile_id, state, due_at)
       WHERE jc.journey_id = $1 AND jc.iteration = m.iteration AND jc.contact_id = m.contact_id`,
      [
        journeyId,
        this.moves.map((m) => m.iteration),
        this.moves.map((m) => m.contactId),
        this.moves.map((m) => m.tileId),
        this.moves.map((m) => m.state),
        this.moves.map((m) => (m.dueAt === null ? null : new Date(m.dueAt).toISOString())),
      ],
    );
  }

  private async writeRecords(client: PoolClient, journey: { id: string; workspaceId: string }): Promise<void> {
    const common = (rows: RecordRow[]) => [journey.workspaceId, journey.id, rows.map((r) => r.onceKey), rows.map((r) => r.contactId), rows.map((r) => r.accountId), rows.map((r) => r.tileId)];
    if (this.tasks.length > 0)
      await client.query(
        `INSERT INTO tasks (workspace_id, journey_id, once_key, contact_id, account_id, tile_id, kind, subject, due_at)
         SELECT $1, $2, t.* FROM unnest($3::text[], $4::uuid[], $5::uuid[], $6::text[], $7::text[], $8::text[], $9::timestamptz[]) AS t
         ON CONFLICT (once_key) DO NOTHING`,
        [...common(this.tasks), this.tasks.map((t) => t.kind), this.tasks.map((t) => t.subject), this.tasks.map((t) => (t.dueAt === null ? null : new Date(t.dueAt).toISOString()))],
      );
    if (this.leads.length > 0)
      await client.query(
        `INSERT INTO leads (workspace_id, journey_id, once_key, contact_id, account_id, tile_id, title)
         SELECT $1, $2, l.* FROM unnest($3::text[], $4::uuid[], $5::uuid[], $6::text[], $7::text[]) AS l
         ON CONFLICT (once_key) DO NOTHING`,
        [...common(this.leads), this.leads.map((l) => l.title)],
      );
  }
}
