import type { Pool } from 'pg';
import type { BounceClass, CairnEvent } from '../../lib/contracts/events/event-types';
import type { DeliveryItem } from './delivery-item';

/**
 * Side effects a finished row still owes: its events and the address report of its SMTP reply (a bounce of a
 * journey or one-to-one message, or any delivery). Stored as JSON in sender_deliveries.outcome and produced again
 * by the sweep: rows written before a bounce carried policyBlock, or could be `other`, read the same.
 */
export interface Outcome {
  events: CairnEvent[];
  /** contactId: the address's contact (journey and one-to-one messages); absent in rows stored before it was kept */
  bounce?: {
    eventId: string;
    workspaceId: string;
    address: string;
    bounceClass: BounceClass;
    policyBlock?: boolean;
    contactId?: string | null;
  };
  delivered?: { workspaceId: string; address: string; contactId?: string | null };
}

export type FinalState = 'delivered' | 'bounced' | 'blocked' | 'failed' | 'outcome_unknown' | 'retry';

export interface Claimed {
  messageId: string;
  attempts: number;
}

export interface Finish {
  key: string;
  state: FinalState;
  outcome: Outcome | null;
  /** 'attempting' after an SMTP hand-off, 'pre' when decided before one */
  from: 'attempting' | 'pre';
}

export interface Unfinished {
  key: string;
  outcome: Outcome;
}

/** What becomes of a journey's batch, by its journey (docs/scheduler.md#circuit-breaker). */
export type JourneyHold = 'send' | 'hold' | 'drop';

/**
 * sender_deliveries, the exactly-once ledger (sql/postgres/0070_sender.sql). Every statement takes a batch.
 */
export class DeliveriesRepository {
  constructor(
    private readonly pool: Pool,
    private readonly owner: string,
  ) {}

  /** Inserts new keys and takes over keys still claimed or waiting for a retry; returns the keys now ours. */
  async claim(items: readonly (DeliveryItem & { messageId: string })[]): Promise<Map<string, Claimed>> {
    const { rows } = await this.pool.query<{ delivery_key: string; message_id: string; attempts: number }>(
      `INSERT INTO sender_deliveries AS d (delivery_key, kind, workspace_id, contact_id, message_id, request, state, claimed_by, claimed_at)
       SELECT k, kind, ws, c, m, r, 'claimed', $7, now()
         FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::uuid[], $6::jsonb[]) AS t(k, kind, ws, c, m, r)
       ON CONFLICT (delivery_key) DO UPDATE SET claimed_by = EXCLUDED.claimed_by, claimed_at = now(), updated_at = now()
         WHERE d.state IN ('claimed', 'retry')
       RETURNING d.delivery_key, d.message_id::text AS message_id, d.attempts`,
      [
        items.map((i) => i.key),
        items.map((i) => i.kind),
        items.map((i) => i.workspaceId),
        items.map((i) => i.contactId),
        items.map((i) => i.messageId),
        items.map((i) => JSON.stringify(i.request)),
        this.owner,
      ],
    );
    return new Map(rows.map((row) => [row.delivery_key, { messageId: row.message_id, attempts: row.attempts }]));
  }

  /**
   * NOTE: the exactly-once gate. A key is handed to SMTP only after this UPDATE moved it from claimed (or retry)
   * to attempting under our claim and committed; nothing ever moves a row out of attempting except its owner's
   * reply (finish) or the stale sweep (outcome_unknown), so no key is attempted twice, whatever dies when.
   */
  async markAttempting(keys: readonly string[]): Promise<Set<string>> {
    const { rows } = await this.pool.query<{ delivery_key: string }>(
      `UPDATE sender_deliveries SET state = 'attempting', attempted_at = now(), attempts = attempts + 1, updated_at = now()
        WHERE delivery_key = ANY($1::text[]) AND state IN ('claimed', 'retry') AND claimed_by = $2
       RETURNING delivery_key`,
      [keys, this.owner],
    );
    return new Set(rows.map((row) => row.delivery_key));
  }

  /** Records outcomes under our claim; returns the keys it changed (a swept or stolen row is left alone). */
  async finish(finishes: readonly Finish[]): Promise<Set<string>> {
    const { rows } = await this.pool.query<{ delivery_key: string }>(
      `UPDATE sender_deliveries d SET state = t.state, outcome = t.outcome, updated_at = now()
         FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::text[]) AS t(k, state, outcome, from_state)
        WHERE d.delivery_key = t.k AND d.claimed_by = $5
          AND ((t.from_state = 'attempting' AND d.state = 'attempting') OR (t.from_state = 'pre' AND d.state IN ('claimed', 'retry')))
       RETURNING d.delivery_key`,
      [
        finishes.map((f) => f.key),
        finishes.map((f) => f.state),
        finishes.map((f) => (f.outcome ? JSON.stringify(f.outcome) : null)),
        finishes.map((f) => f.from),
        this.owner,
      ],
    );
    return new Set(rows.map((row) => row.delivery_key));
  }

  /**
   * Deletes claimed rows of erased contacts: no mail, no event, and no row left holding the contact's id. Their
   * keys are never sent later, since every request for them names the same erased contact.
   */
  async forget(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.pool.query(
      `DELETE FROM sender_deliveries WHERE delivery_key = ANY($1::text[]) AND claimed_by = $2 AND state IN ('claimed', 'retry')`,
      [keys, this.owner],
    );
  }

  async markEmitted(keys: readonly string[]): Promise<void> {
    if (keys.length > 0)
      await this.pool.query('UPDATE sender_deliveries SET events_emitted = true WHERE delivery_key = ANY($1::text[])', [
        keys,
      ]);
  }

  /**
   * Rows attempted longer ago than the lease whose owner never recorded a reply (it died, or its connection
   * did): they become outcome_unknown and are never sent again. Returns them for their sending_failed events.
   */
  async sweepStaleAttempts(
    leaseMs: number,
    limit = 1000,
  ): Promise<{ key: string; item: DeliveryItem; messageId: string }[]> {
    const { rows } = await this.pool.query<{
      delivery_key: string;
      kind: DeliveryItem['kind'];
      workspace_id: string;
      contact_id: string;
      message_id: string;
      request: never;
    }>(
      `UPDATE sender_deliveries SET state = 'outcome_unknown', updated_at = now()
        WHERE delivery_key IN (SELECT delivery_key FROM sender_deliveries
                                WHERE state = 'attempting' AND attempted_at < now() - make_interval(secs => $1::double precision / 1000)
                                LIMIT $2 FOR UPDATE SKIP LOCKED)
          AND state = 'attempting'
       RETURNING delivery_key, kind, workspace_id::text, contact_id, message_id::text, request`,
      [leaseMs, limit],
    );
    return rows.map((row) => ({
      key: row.delivery_key,
      messageId: row.message_id,
      item: {
        kind: row.kind,
        key: row.delivery_key,
        workspaceId: row.workspace_id,
        contactId: row.contact_id,
        request: row.request,
      },
    }));
  }

  /** Stores the sweep's outcome for rows it marked (they have no owner any more). */
  async recordUnknown(outcomes: readonly { key: string; outcome: Outcome }[]): Promise<void> {
    if (outcomes.length === 0) return;
    await this.pool.query(
      `UPDATE sender_deliveries d SET outcome = t.outcome FROM unnest($1::text[], $2::jsonb[]) AS t(k, outcome)
        WHERE d.delivery_key = t.k AND d.state = 'outcome_unknown' AND d.outcome IS NULL`,
      [outcomes.map((o) => o.key), outcomes.map((o) => JSON.stringify(o.outcome))],
    );
  }

  /** Finished rows whose events or suppression updates were not acknowledged (the process died in between). */
  async unemitted(olderThanMs: number, limit = 1000): Promise<Unfinished[]> {
    const { rows } = await this.pool.query<{ delivery_key: string; outcome: Outcome }>(
      `SELECT delivery_key, outcome FROM sender_deliveries
        WHERE NOT events_emitted AND outcome IS NOT NULL AND state NOT IN ('claimed', 'attempting', 'retry')
          AND updated_at < now() - make_interval(secs => $1::double precision / 1000)
        LIMIT $2`,
      [olderThanMs, limit],
    );
    return rows.map((row) => ({ key: row.delivery_key, outcome: row.outcome }));
  }

  /** Rows waiting for a soft-bounce retry whose delayed job should have run by now (Redis lost it, say). */
  /**
   * Retry rows untouched for `olderThanMs` (their delayed job is gone), claimed by this sweep: each comes back once
   * per window, whichever replica sweeps, and its clock restarts so a job queued now is not queued again next pass.
   */
  async overdueRetries(olderThanMs: number, limit = 500): Promise<string[]> {
    const { rows } = await this.pool.query<{ delivery_key: string }>(
      `UPDATE sender_deliveries SET updated_at = now() WHERE delivery_key IN (
         SELECT delivery_key FROM sender_deliveries WHERE state = 'retry'
            AND updated_at < now() - make_interval(secs => $1::double precision / 1000)
          LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING delivery_key`,
      [olderThanMs, limit],
    );
    return rows.map((row) => row.delivery_key);
  }

  async itemsFor(keys: readonly string[]): Promise<DeliveryItem[]> {
    const { rows } = await this.pool.query<{
      delivery_key: string;
      kind: DeliveryItem['kind'];
      workspace_id: string;
      contact_id: string;
      request: never;
    }>(
      `SELECT delivery_key, kind, workspace_id::text, contact_id, request FROM sender_deliveries WHERE delivery_key = ANY($1::text[]) AND state = 'retry'`,
      [keys],
    );
    return rows.map((row) => ({
      kind: row.kind,
      key: row.delivery_key,
      workspaceId: row.workspace_id,
      contactId: row.contact_id,
      request: row.request,
    }));
  }

  /**
   * A journey batch waits while the circuit breaker has paused its journey, and is not sent once the journey was
   * stopped while paused (docs/scheduler.md#circuit-breaker); a resume clears paused_at.
   */
  async journeyHold(journeyId: string): Promise<JourneyHold> {
    const { rows } = await this.pool.query<{ status: string; was_paused: boolean }>(
      'SELECT status, paused_at IS NOT NULL AS was_paused FROM journeys WHERE id = $1',
      [journeyId],
    );
    const row = rows[0];
    if (row?.status === 'paused') return 'hold';
    return row?.status === 'stopped' && row.was_paused ? 'drop' : 'send';
  }
}
