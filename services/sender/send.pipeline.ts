import { randomUUID } from 'node:crypto';
import type { EventCodec } from '../../lib/contracts/events/event-codec';
import type { BatchingProducer } from '../../lib/platform/kafka/kafka-client';
import type { Topics } from '../../lib/platform/kafka/topics';
import { topicForEvent } from '../../lib/contracts/events/event-topics';
import type { Logger } from '../../lib/platform/logger';
import {
  addressReportKey,
  encodeAddressReport,
  type AddressReport,
} from '../../lib/contracts/suppression/address-report';
import { derivedEventId } from '../../lib/contracts/events/derived-id';
import type { DeliveryItem } from './delivery-item';
import type { DeliveriesRepository, Finish, Outcome } from './deliveries.repository';
import type { MessagePreparer } from './message-preparer';
import type { Prepared } from './recipient-decision';
import { MicroBatcher } from './micro-batcher';
import { EventsFor } from './sender-events';
import type { SenderMetrics } from './sender.metrics';
import type { SmtpOutcome } from './mail-types';
import type { SmtpRoutes } from './smtp-routes';

export interface PipelineDeps {
  repo: DeliveriesRepository;
  preparer: MessagePreparer;
  /** the route of each message (docs/sender.md#routes) and its delivery */
  routes: Pick<SmtpRoutes, 'pick'>;
  producer: BatchingProducer;
  codec: EventCodec;
  topics: Topics;
  metrics: SenderMetrics;
  log: Logger;
  /** attempts per message before a soft bounce is final */
  maxAttempts: number;
  /** schedules a soft-bounced key for another attempt after its backoff */
  scheduleRetry: (key: string, attempts: number) => Promise<void>;
  /** schedules a key deferred by its throttle key (docs/sender.md#throttling) for another try after delayMs */
  scheduleDeferral: (key: string, delayMs: number) => Promise<void>;
  /** its From domain's warm-up (docs/sender.md#warm-up): null to send, else the delay to defer it by */
  warmup?: (workspaceId: string, fromAddress: string) => Promise<number | null>;
  /** its From domain paused by the circuit breaker (docs/sender.md#paused-sending-domains): null to send, else the
   * delay to defer it by */
  domainPause?: (workspaceId: string, fromAddress: string) => Promise<number | null>;
}

/** A From-domain lookup that failed: try again in a minute rather than risk going over a cap or past a pause. */
const FROM_DOMAIN_UNKNOWN_DEFER_MS = 60_000;

type Sendable = Extract<Prepared, { kind: 'send' }>;

/** Forward copies and one-to-one messages come with their message id (the friend's beacon, a reply's In-Reply-To). */
const presetMessageId = (item: DeliveryItem): string | null =>
  item.kind === 'forward'
    ? item.request.new_message_id
    : item.kind === 'direct'
      ? item.request.delivery_message_id
      : null;

/**
 * claim → prepare (eligibility, render) → per message: slot, record the attempt, SMTP, record the outcome →
 * events and address report → acknowledged. Statements are batched across the messages in flight.
 */
export class SendPipeline {
  private readonly attempts: MicroBatcher<string, boolean>;
  private readonly finishes: MicroBatcher<Finish, boolean>;

  constructor(private readonly deps: PipelineDeps) {
    this.attempts = new MicroBatcher(async (keys) => {
      const allowed = await deps.repo.markAttempting(keys);
      return keys.map((key) => allowed.has(key));
    });
    this.finishes = new MicroBatcher(async (finishes) => {
      const changed = await deps.repo.finish(finishes);
      await this.settle(
        finishes
          .filter((f) => changed.has(f.key) && f.outcome)
          .map((f) => ({ key: f.key, outcome: f.outcome as Outcome })),
      );
      return finishes.map((f) => changed.has(f.key));
    });
  }

  async process(items: readonly DeliveryItem[]): Promise<void> {
    const unique = [...new Map(items.map((item) => [item.key, item])).values()];
    if (unique.length === 0) return;
    const claimed = await this.deps.repo.claim(
      unique.map((item) => ({ ...item, messageId: presetMessageId(item) ?? randomUUID() })),
    );
    const ours = unique.flatMap((item) => {
      const claim = claimed.get(item.key);
      return claim ? [{ ...item, ...claim }] : [];
    });
    if (ours.length === 0) return;
    const prepared = await this.deps.preparer.prepare(ours);
    const erased = prepared.flatMap((p) => (p.kind === 'erased' ? [p.item.key] : []));
    await this.deps.repo.forget(erased);
    if (erased.length > 0) this.deps.metrics.messages.inc({ outcome: 'erased' }, erased.length);
    const finals = prepared.flatMap((p) => (p.kind === 'final' ? [p.finish] : []));
    const work: Promise<unknown>[] = finals.map((finish) =>
      this.finishes.add(finish).then(() => this.count(finish.state)),
    );
    for (const p of prepared) if (p.kind === 'send') work.push(this.sendOne(p));
    await Promise.all(work);
  }

  private async sendOne(message: Sendable): Promise<void> {
    const { workspaceId, key } = message.item;
    // NOTE: mail From a paused sending domain waits and is never dropped: it goes back to the ledger as a retry
    // before any attempt is recorded (defer), whatever its kind (journey, one-to-one, forward copy, test).
    const paused = await this.fromDomainWait(this.deps.domainPause, message, 'domain_pause_lookup_failed');
    if (paused !== null) return this.defer(message, paused);
    const routed = await this.deps.routes.pick(workspaceId, message.mail.from.address);
    let outcome: SmtpOutcome;
    if ('unsent' in routed) {
      // no relay for it: an attempt that never reached a server (not_sent), retried like one
      if (!(await this.attempts.add(key))) return;
      this.deps.log.warn({ route: routed.route, err: routed.unsent.error }, 'route_unavailable');
      outcome = routed.unsent;
    } else {
      const release = await routed.delivery.acquire(message.domain);
      if (typeof release !== 'function') return this.defer(message, release.deferMs);
      try {
        const wait = await this.fromDomainWait(this.deps.warmup, message, 'warmup_lookup_failed');
        if (wait !== null) return await this.defer(message, wait);
        if (!(await this.attempts.add(key))) return; // another sender holds it, or it was already attempted
        outcome = await routed.delivery.send(message.mail, workspaceId);
      } finally {
        release();
      }
    }
    this.deps.metrics.routed.inc({ route: 'unsent' in routed ? 'none' : routed.route, outcome: outcome.kind });
    const finish = this.finishFor(message, outcome);
    await this.finishes.add(finish);
    this.count(finish.state === 'bounced' ? 'bounced' : finish.state);
    if (finish.state === 'retry') await this.deps.scheduleRetry(message.item.key, message.attempts + 1);
  }

  /** Its From domain paused, or over its cap of the day: how long to defer it; null: send it now. */
  private async fromDomainWait(
    lookup: PipelineDeps['warmup'],
    message: Sendable,
    failure: string,
  ): Promise<number | null> {
    if (!lookup) return null;
    try {
      return await lookup(message.item.workspaceId, message.mail.from.address);
    } catch (error) {
      this.deps.log.warn({ err: (error as Error).message }, failure);
      return FROM_DOMAIN_UNKNOWN_DEFER_MS;
    }
  }

  /** Its throttle key is too slow to wait for, its warm-up cap is reached or its From domain is paused: back to the
   * ledger as a retry, no attempt counted. */
  private async defer(message: Sendable, delayMs: number): Promise<void> {
    const { key } = message.item;
    if (!(await this.finishes.add({ key, state: 'retry', from: 'pre', outcome: null }))) return;
    this.count('deferred');
    await this.deps.scheduleDeferral(key, delayMs);
  }

  private finishFor(message: Sendable, outcome: SmtpOutcome): Finish {
    const { item, messageId, domain, address } = message;
    const done = (state: Finish['state'], result: Outcome | null): Finish => ({
      key: item.key,
      state,
      from: 'attempting',
      outcome: result,
    });
    const sent = EventsFor.send(item, messageId, domain);
    switch (outcome.kind) {
      case 'delivered':
        return done('delivered', {
          events: sent,
          delivered: { workspaceId: item.workspaceId, address: address.toLowerCase(), contactId: ownerOf(item) },
        });
      case 'not_sent':
        // never reached the server: back to retry, and the attempt does not count against the soft-bounce limit
        return message.attempts + 1 < this.deps.maxAttempts
          ? done('retry', null)
          : done('failed', { events: EventsFor.failed(item, messageId, 'SMTP_UNAVAILABLE', outcome.error) });
      case 'unknown':
        return done('outcome_unknown', { events: EventsFor.failed(item, messageId, 'outcome_unknown', outcome.error) });
      case 'invalid':
        return done('failed', { events: EventsFor.failed(item, messageId, outcome.code, outcome.error) });
      case 'refused': {
        const { bounce } = outcome;
        if (bounce.bounceClass === 'soft' && message.attempts + 1 < this.deps.maxAttempts) return done('retry', null);
        if (bounce.policyBlock) this.deps.log.warn({ domain, status: bounce.enhancedStatus }, 'policy_block');
        const events = [...sent, ...EventsFor.bounce(item, messageId, bounce, outcome.reply)];
        // Journey and one-to-one bounces are reported with their event's id, a confirmation email's (no events) with
        // an id from its key; the writer's rules decide (policy blocks: nothing).
        const reportId =
          events.find((e) => e.type === 'bounce')?.data.event_id ??
          (item.kind === 'confirm' ? derivedEventId(item.key, 'bounce') : null);
        const reported = reportId
          ? {
              eventId: reportId,
              workspaceId: item.workspaceId,
              address: address.toLowerCase(),
              bounceClass: bounce.bounceClass,
              policyBlock: bounce.policyBlock,
              contactId: ownerOf(item),
            }
          : undefined;
        return done('bounced', { events, ...(reported ? { bounce: reported } : {}) });
      }
    }
  }

  private count(state: string): void {
    this.deps.metrics.messages.inc({ outcome: state });
  }

  /**
   * Produces each row's events and its address report, then marks the rows acknowledged. Both are idempotent
   * (event ids and report ids are derived from the key), so a crash in between repeats them. Suppression is the
   * writer's (suppression.repository.ts): it applies the report when its consumer reads it.
   */
  async settle(rows: readonly { key: string; outcome: Outcome }[]): Promise<void> {
    if (rows.length === 0) return;
    const { producer, codec, topics } = this.deps;
    const sends: Promise<void>[] = [];
    for (const { key, outcome } of rows) {
      for (const event of outcome.events)
        sends.push(
          producer.send({
            topic: topicForEvent(topics, event.type),
            key: event.data.contact_id,
            value: codec.encode(event),
          }),
        );
      const report = addressReportOf(key, outcome);
      if (report)
        sends.push(
          producer.send({
            topic: topics.addressReports,
            key: addressReportKey(report),
            value: encodeAddressReport(report),
          }),
        );
    }
    await Promise.all(sends);
    await this.deps.repo.markEmitted(rows.map((r) => r.key));
  }
}

/** The contact whose address a message went to: a journey's, one-to-one or confirmation recipient; not a friend or a test address. */
const ownerOf = (item: DeliveryItem): string | null =>
  item.kind === 'journey' || item.kind === 'direct' || item.kind === 'confirm' ? item.contactId : null;

/** What a finished row tells the suppression writer about its address: a delivery, a bounce, or nothing. */
export function addressReportOf(key: string, outcome: Outcome, now = Date.now()): AddressReport | null {
  if (outcome.bounce) {
    const { eventId, workspaceId, address, bounceClass, policyBlock = false, contactId = null } = outcome.bounce;
    const base = { report_id: eventId, reported_at: now, workspace_id: workspaceId, address, contact_id: contactId };
    return { ...base, outcome: 'bounce', bounce_class: bounceClass, policy_block: policyBlock };
  }
  if (outcome.delivered) {
    const { workspaceId, address, contactId = null } = outcome.delivered;
    return {
      report_id: derivedEventId(key, 'delivered'),
      reported_at: now,
      workspace_id: workspaceId,
      address,
      contact_id: contactId,
      outcome: 'delivered',
    };
  }
  return null;
}
