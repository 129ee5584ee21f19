import type { Pool } from 'pg';
import type { Logger } from '../../lib/platform/logger';
import { confirmItem, type ConfirmRequest } from './delivery-item';
import type { SendPipeline } from './send.pipeline';

/** Confirmations handed to the pipeline per poll (a fuller poll is followed by another at once). */
const POLL_BATCH = 100;

export interface ConfirmationPollerOptions {
  pool: Pool;
  pipeline: Pick<SendPipeline, 'process'>;
  /** a confirmation taken by a poller is left alone by the others this long (then one whose claim is still open is retaken) */
  retakeMs: number;
  log: Logger;
}

/**
 * Pending double opt-in confirmations whose email no poller holds (docs/pages-and-forms.md#double-opt-in): open
 * (not confirmed, not expired), not settled in the ledger, and not taken by a poller in the last `retakeMs`. Taken
 * in one statement (SKIP LOCKED), so two sender replicas polling at once take different rows.
 */
export async function takeDueConfirmations(pool: Pool, limit: number, retakeMs: number): Promise<ConfirmRequest[]> {
  const { rows } = await pool.query<ConfirmRequest>(
    `UPDATE form_confirmations c SET email_taken_at = now()
      WHERE c.submission_id IN (
        SELECT submission_id FROM form_confirmations
         WHERE email_settled_at IS NULL AND confirmed_at IS NULL AND expires_at > now()
           AND (email_taken_at IS NULL OR email_taken_at < now() - make_interval(secs => $2::double precision / 1000))
         ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED)
      RETURNING c.submission_id::text, c.workspace_id::text, c.contact_id::text`,
    [limit, retakeMs],
  );
  return rows;
}

/**
 * Confirmations whose ledger row went past 'claimed' are settled: the ledger owns them now (an attempt, a retry job,
 * an outcome). One still 'claimed' (its sender died before the attempt) is retaken after `retakeMs`.
 */
export async function markSettled(pool: Pool, submissionIds: readonly string[]): Promise<void> {
  await pool.query(
    `UPDATE form_confirmations c SET email_settled_at = now() FROM sender_deliveries d
      WHERE c.submission_id = ANY($1::uuid[]) AND d.delivery_key = 'confirm:' || c.submission_id::text
        AND d.state <> 'claimed'`,
    [submissionIds],
  );
}

/**
 * One poll: take due confirmations, send each through the pipeline as a `confirm:<submission id>` item, mark the
 * ones the ledger took over. NOTE: exactly once is the ledger's (sender_deliveries, deliveries.repository.ts
 * markAttempting): a confirmation found twice, by two replicas or after a crash, is claimed again under the same key
 * and attempted at most once; a sender killed between the attempt and the reply leaves it outcome_unknown, never
 * sent again (docs/sender.md#never-twice-never-skipped).
 */
export async function pollConfirmationsOnce(options: ConfirmationPollerOptions, limit = POLL_BATCH): Promise<number> {
  const due = await takeDueConfirmations(options.pool, limit, options.retakeMs);
  if (due.length === 0) return 0;
  await options.pipeline.process(due.map(confirmItem));
  await markSettled(
    options.pool,
    due.map((d) => d.submission_id),
  );
  return due.length;
}

/** Polls every `everyMs` (0: never), one poll at a time per process; a full batch is followed by another at once. */
export function startConfirmationPoller(options: ConfirmationPollerOptions & { everyMs: number }): {
  stop(): Promise<void>;
} {
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const drain = async (): Promise<void> => {
    while (!stopped && (await pollConfirmationsOnce(options)) === POLL_BATCH);
  };
  const timer =
    options.everyMs > 0
      ? setInterval(() => {
          running = running
            .then(drain)
            .catch((error: Error) => options.log.warn({ err: error.message }, 'confirm_poll_failed'));
        }, options.everyMs)
      : null;
  return {
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
