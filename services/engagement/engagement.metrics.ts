import { Counter, Registry } from 'prom-client';

/** /metrics of services/engagement: what became of inbound replies, alerts and reminders. */
export class EngagementMetrics {
  readonly registry = new Registry();
  /** outcome: matched, duplicate, unmatched_no_reference, unmatched_unknown, not_followed, malformed_no_headers, malformed, too_large, refused_relay */
  readonly replies = new Counter({
    name: 'cairn_engagement_replies_total',
    help: 'inbound replies by source and outcome',
    labelNames: ['source', 'outcome'],
    registers: [this.registry],
  });
  /** verdict of the replies recorded (matched, not duplicates): verified, unverified */
  readonly replyVerdicts = new Counter({
    name: 'cairn_engagement_reply_verdicts_total',
    help: 'recorded replies by authentication verdict',
    labelNames: ['source', 'verdict'],
    registers: [this.registry],
  });
  /** outcome: unsubscribed, already_unsubscribed, no_token, bad_token */
  readonly unsubscribes = new Counter({
    name: 'cairn_engagement_mailto_unsubscribes_total',
    help: 'mail to the List-Unsubscribe mailbox, by outcome',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly alerts = new Counter({
    name: 'cairn_engagement_alerts_total',
    help: 'alerts created, by kind',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly reminders = new Counter({
    name: 'cairn_engagement_reminders_total',
    help: 'reminders decided, by outcome (fired, not_needed)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  /** alert jobs failed unread (docs/messages.md#unreadable-messages) */
  readonly unreadableJobs = new Counter({
    name: 'cairn_engagement_jobs_unreadable_total',
    help: 'queued jobs that could not be read, failed without a retry, by queue',
    labelNames: ['queue'],
    registers: [this.registry],
  });
  readonly webhooks = new Counter({
    name: 'cairn_engagement_webhooks_total',
    help: 'alert webhook attempts by result',
    labelNames: ['result'],
    registers: [this.registry],
  });

  /** The current value of one replies counter (tests and logs). */
  async replyCount(source: string, outcome: string): Promise<number> {
    const metric = await this.replies.get();
    return metric.values.find((v) => v.labels.source === source && v.labels.outcome === outcome)?.value ?? 0;
  }

  /** The current value of one mailto unsubscribe counter (tests and logs). */
  async unsubscribeCount(outcome: string): Promise<number> {
    const metric = await this.unsubscribes.get();
    return metric.values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
  }
}
