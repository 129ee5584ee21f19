import type { Queue } from 'bullmq';
import type { SendQueueJob } from '../../lib/contracts/sending/send-queue';
import type { Pool } from 'pg';
import { dispatchDue } from '../../lib/domain/engagement/message-dispatch';
import type { Logger } from '../../lib/platform/logger';
import { inTransaction } from '../../lib/platform/postgres/pg-pool';
import { createAlerts, pendingAlertIds, queueAlertWebhooks, type AlertJob } from './alerts';
import type { EngagementMetrics } from './engagement.metrics';
import type { ReplyRecorder } from './reply-recorder';

interface DueReminder {
  id: string;
  workspace_id: string;
  message_id: string;
  title: string;
  condition: 'no_reply_by' | 'not_opened_by' | 'anyway';
  remind_at: Date;
  owner: string;
  first_opened_at: Date | null;
  first_replied_at: Date | null;
}

/** Whether a reminder's condition holds at its time: no human reply (or open) recorded by then, or always. */
export function reminderHolds(
  reminder: Pick<DueReminder, 'condition' | 'remind_at' | 'first_opened_at' | 'first_replied_at'>,
): boolean {
  const before = (at: Date | null): boolean => at !== null && at.getTime() <= reminder.remind_at.getTime();
  if (reminder.condition === 'no_reply_by') return !before(reminder.first_replied_at);
  if (reminder.condition === 'not_opened_by') return !before(reminder.first_opened_at);
  return true;
}

/**
 * Due reminders, decided `graceMs` after they are due (opens still on their way through Kafka count). Returns
 * the alerts created that need a webhook.
 *
 * NOTE: exactly once: each due reminder is taken FOR UPDATE SKIP LOCKED and moved pending -> fired | not_needed
 * in the transaction that creates its alert (key reminder:<id>), so replicas and restarts never fire it twice,
 * and an edit or a cancel (which only touch pending rows) either lands before the decision or gets a 409.
 */
export async function decideDueReminders(
  pool: Pool,
  graceMs: number,
  metrics: EngagementMetrics,
): Promise<{ id: string; webhook: boolean }[]> {
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<DueReminder>(
      `SELECT r.id::text, r.workspace_id::text, r.message_id::text, r.title, r.condition, r.remind_at, m.owner, m.first_opened_at, m.first_replied_at
         FROM engagement_reminders r JOIN engagement_messages m ON m.id = r.message_id
        WHERE r.state = 'pending' AND r.remind_at <= now() - make_interval(secs => $1::double precision / 1000)
        ORDER BY r.remind_at LIMIT 200 FOR UPDATE OF r SKIP LOCKED`,
      [graceMs],
    );
    if (rows.length === 0) return [];
    const fire = rows.filter(reminderHolds);
    const fired = new Set(fire.map((r) => r.id));
    await client.query(
      `UPDATE engagement_reminders SET state = CASE WHEN id = ANY($2::uuid[]) THEN 'fired' ELSE 'not_needed' END, decided_at = now(), updated_at = now()
        WHERE id = ANY($1::uuid[])`,
      [rows.map((r) => r.id), [...fired]],
    );
    metrics.reminders.inc({ outcome: 'fired' }, fire.length);
    metrics.reminders.inc({ outcome: 'not_needed' }, rows.length - fire.length);
    return createAlerts(
      client,
      fire.map((r) => ({
        key: `reminder:${r.id}`,
        workspaceId: r.workspace_id,
        messageId: r.message_id,
        kind: 'reminder',
        owner: r.owner,
        title: r.title,
        payload: { reminder_id: r.id, condition: r.condition, remind_at: r.remind_at.toISOString() },
      })),
    );
  });
}

/**
 * Every tick: scheduled messages that are due go to the sender, due reminders are decided, and work a crash
 * left half-done is finished (alert webhooks whose job was lost, replies not yet produced to Kafka).
 */
export function startDuePoller(deps: {
  pool: Pool;
  sendQueue: Queue<SendQueueJob>;
  alertQueue: Queue<AlertJob>;
  recorder: ReplyRecorder;
  metrics: EngagementMetrics;
  log: Logger;
  tickMs: number;
  graceMs: number;
  webhook: { attempts: number; backoffMs: number };
}): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  let stopped = false;
  const tick = async (): Promise<void> => {
    const sent = await dispatchDue(deps.pool, deps.sendQueue);
    if (sent.length > 0) deps.log.info({ messages: sent.length }, 'scheduled_messages_queued');
    const alerts = await decideDueReminders(deps.pool, deps.graceMs, deps.metrics);
    deps.metrics.alerts.inc({ kind: 'reminder' }, alerts.length);
    await queueAlertWebhooks(
      deps.alertQueue,
      alerts.filter((a) => a.webhook).map((a) => a.id),
      deps.webhook,
    );
    await queueAlertWebhooks(deps.alertQueue, await pendingAlertIds(deps.pool, 60_000), deps.webhook);
    await deps.recorder.produceLeftovers(30_000);
  };
  // one tick at a time: a slow tick (PostgreSQL busy) makes the next ones wait, never overlap
  const timer = setInterval(() => {
    if (running || stopped) return;
    running = tick()
      .catch((error: Error) => deps.log.warn({ err: error.message }, 'engagement_tick_failed'))
      .finally(() => (running = null));
  }, deps.tickMs);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
