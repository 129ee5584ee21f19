import type { Pool } from 'pg';
import { derivedEventId } from '../../lib/contracts/events/derived-id';
import type { EventCodec } from '../../lib/contracts/events/event-codec';
import type { EmailEvent } from '../../lib/contracts/events/event-types';
import type { BatchingProducer } from '../../lib/platform/kafka/kafka-client';
import { type Topics } from '../../lib/platform/kafka/topics';
import { topicForEvent } from '../../lib/contracts/events/event-topics';
import { unsubscribeContact } from '../../lib/domain/subscriptions/subscriptions-repository';
import type { TrackingToken, TrackingTokenCodec } from '../../lib/contracts/tracking/tracking-token';
import type { EngagementMetrics } from './engagement.metrics';
import { parseHeader } from './reply-recorder';

export type MailtoOutcome = 'unsubscribed' | 'already_unsubscribed' | 'no_token' | 'bad_token';

/** The sender writes `mailto:<mailbox>?subject=unsubscribe%20<token>`; clients may prefix the subject ("Re: "). */
const SUBJECT_TOKEN = /(?:^|\s)unsubscribe\s+([A-Za-z0-9_-]{16,600})(?:\s|$)/i;

/**
 * The List-Unsubscribe mailto every marketing message advertises (services/sender/message-renderer.ts): mail to
 * the unsubscribe mailbox carries the message's token in its subject. A token that verifies, for an email version
 * of its own workspace and a contact that still exists, unsubscribes exactly like ingest's one-click POST: the
 * same writer (lib/domain/subscriptions) and the same `unsubscribe` event, method `mailto`. Anything else changes
 * nothing; the SMTP answer is 250 either way (no backscatter, nothing learnt about tokens).
 */
export class MailtoUnsubscribe {
  constructor(
    private readonly deps: {
      pool: Pool;
      producer: BatchingProducer;
      codec: EventCodec;
      topics: Topics;
      tokens: TrackingTokenCodec;
      metrics: EngagementMetrics;
    },
  ) {}

  async handle(header: Buffer | null): Promise<MailtoOutcome> {
    const outcome = await this.decide(header);
    this.deps.metrics.unsubscribes.inc({ outcome });
    return outcome;
  }

  private async decide(header: Buffer | null): Promise<MailtoOutcome> {
    const mail = await parseHeader(header);
    const presented = typeof mail === 'string' ? undefined : SUBJECT_TOKEN.exec(mail.subject ?? '')?.[1];
    if (!presented) return 'no_token';
    // Only the message's unsubscribe token (the one List-Unsubscribe advertises) unsubscribes: docs/security.md#token-purposes
    const token = this.deps.tokens.verify(presented, 'unsubscribe');
    if (!token || !(await this.known(token))) return 'bad_token';
    const listIds = await unsubscribeContact(this.deps.pool, { ...token, listId: token.listId ?? null });
    // NOTE: the same message unsubscribed by mail again gets the same event_id: the aggregator counts it once
    const eventId = derivedEventId('unsubscribe', 'mailto', token.messageId, token.listId ?? '*');
    const event: EmailEvent<'unsubscribe'> = {
      type: 'unsubscribe',
      data: {
        event_id: eventId,
        event_time: Date.now(),
        workspace_id: token.workspaceId,
        contact_id: token.contactId,
        message_id: token.messageId,
        email_id: token.emailId,
        email_version: token.emailVersion,
        journey_id: token.journeyId ?? null,
        tile_id: token.tileId ?? null,
        iteration: token.iteration ?? 0,
        machine: false,
        method: 'mailto',
        list_ids: listIds,
      },
    };
    await this.deps.producer.send({
      topic: topicForEvent(this.deps.topics, 'unsubscribe'),
      key: token.contactId,
      value: this.deps.codec.encode(event),
    });
    return listIds.length > 0 ? 'unsubscribed' : 'already_unsubscribed';
  }

  /**
   * NOTE: like ingest's tokens, one counts only for an email version of its own workspace, and nothing is recorded
   * for a contact that was erased (docs/security.md#erasure).
   */
  private async known(token: TrackingToken): Promise<boolean> {
    const { rowCount } = await this.deps.pool.query(
      `SELECT 1 FROM email_versions v JOIN contacts c ON c.workspace_id = v.workspace_id AND c.id::text = $4
        WHERE v.email_id::text = $1 AND v.version = $2 AND v.workspace_id::text = $3`,
      [token.emailId, token.emailVersion, token.workspaceId, token.contactId],
    );
    return (rowCount ?? 0) > 0;
  }
}
