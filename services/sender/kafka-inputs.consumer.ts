import type { Pool } from 'pg';
import { EventCodec } from '../../lib/contracts/events/event-codec';
import { startDecodingConsumer, type DecodingConsumerOptions } from '../../lib/platform/kafka/decoding-consumer';
import { applyBounce, applyComplaint } from '../../lib/domain/suppression/suppression-repository';
import { SUPPRESSED_DIAGNOSTIC, SUPPRESSED_REPORTER } from './sender-events';
import { readForwardRequest, type ForwardRequest } from '../../lib/contracts/tracking/forward-request-codec';

type Consumer = Awaited<ReturnType<typeof startDecodingConsumer>>;
type Common = Pick<DecodingConsumerOptions<unknown>, 'kafka' | 'deadLetterTopic' | 'producer' | 'log' | 'poisonAttempts'>;

/**
 * Forward requests from ingest → a sender job each; offsets commit only after the job is in Redis. They are their
 * own Avro record on their own topic: anything else there is dead-lettered by the consumer.
 */
export function consumeForwardRequests(common: Common, options: { groupId: string; topic: string; enqueue: (requests: ForwardRequest[]) => Promise<void> }): Promise<Consumer> {
  return startDecodingConsumer({
    ...common,
    groupId: options.groupId,
    topics: [options.topic],
    decode: readForwardRequest,
    onBatch: (requests) => options.enqueue(requests.map((r) => r.value)),
  });
}

/**
 * Bounces and complaints coming back through Kafka (webhooks, and the sender's own replies) update suppression.
 * NOTE: idempotent by event_id (webhook_receipts): the sender's own bounces, already applied, change nothing.
 */
export function consumeBouncesAndComplaints(common: Common, options: { groupId: string; topic: string; pool: Pool }): Promise<Consumer> {
  const codec = new EventCodec();
  return startDecodingConsumer({
    ...common,
    groupId: options.groupId,
    topics: [options.topic],
    decode: (bytes) => codec.decode(bytes),
    onBatch: async (consumed) => {
      // the sender's record of a suppressed address's attempt is a count, not news: it must not extend the suppression
      const events = consumed
        .map((c) => c.value)
        .filter((e) => (e.type === 'bounce' && e.data.diagnostic !== SUPPRESSED_DIAGNOSTIC) || (e.type === 'complaint' && e.data.reporter !== SUPPRESSED_REPORTER));
      if (events.length === 0) return;
      const ids = [...new Set(events.map((e) => e.data.contact_id))].filter((id) => /^[0-9a-f-]{36}$/i.test(id));
      const { rows } = await options.pool.query<{ id: string; email: string }>(
        'SELECT id::text, lower(email) AS email FROM contacts WHERE id = ANY($1::uuid[]) AND email IS NOT NULL',
        [ids],
      );
      const addresses = new Map(rows.map((row) => [row.id, row.email]));
      for (const event of events) {
        const address = addresses.get(event.data.contact_id);
        if (!address) continue;
        const target = { eventId: event.data.event_id, workspaceId: event.data.workspace_id, address };
        if (event.type === 'complaint') await applyComplaint(options.pool, target);
        else if (event.type === 'bounce')
          await applyBounce(options.pool, { ...target, bounceClass: event.data.bounce_class, policyBlock: event.data.policy_block ?? false });
      }
    },
  });
}
