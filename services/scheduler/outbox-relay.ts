import type { Queue } from 'bullmq';
import type { Pool, PoolClient } from 'pg';
import type { EventCodec } from '../../lib/contracts/events/event-codec';
import { topicForEvent } from '../../lib/contracts/events/event-topics';
import type { BatchingProducer } from '../../lib/platform/kafka/kafka-client';
import type { Topics } from '../../lib/platform/kafka/topics';
import type { Logger } from '../../lib/platform/logger';
import { inTransaction } from '../../lib/platform/postgres/pg-pool';
import { hashedJobId } from '../../lib/platform/redis/job-id';
import { sendBatchJobId, type SendBatchJob } from '../../lib/contracts/sending/send-request';
import { describeMessageError } from '../../lib/contracts/messages/message-schema';
import { decodeOutboxRow, type OutboxPayload } from './outbox-messages';
import { leadEvent, tileEvent } from './outbox-events';
import type { WebhookJob } from './webhook-job';
import { crossingEvent } from './lead-score-events';
import { abDecidedEvent } from './ab-test-decision';

export interface RelayDeps {
  pool: Pool;
  producer: BatchingProducer;
  codec: EventCodec;
  topics: Topics;
  sendQueue: Queue<SendBatchJob>;
  webhookQueue: Queue<WebhookJob>;
  webhookAttempts: number;
  webhookBackoffMs: number;
  log: Logger;
}

interface OutboxRow {
  id: string;
  kind: string;
  once_key: string | null;
  payload: unknown;
}

/** A row the relay could read: its payload decoded by its kind. */
type ReadRow = OutboxPayload & { id: string; once_key: string | null };

/** The rows of one pass: webhooks, batches (send and events) and those that could not be read, with why. */
interface SortedRows {
  webhooks: WebhookRow[];
  batches: Array<Exclude<ReadRow, { kind: 'webhook' }>>;
  unreadable: Array<{ id: string; reason: string }>;
}

function sortRows(rows: OutboxRow[]): SortedRows {
  const sorted: SortedRows = { webhooks: [], batches: [], unreadable: [] };
  for (const { id, kind, once_key, payload } of rows) {
    const read = decodeOutboxRow(kind, payload);
    if (!read.ok) sorted.unreadable.push({ id, reason: describeMessageError(read.error) });
    else if (read.value.kind !== 'webhook') sorted.batches.push({ ...read.value, id, once_key });
    else if (once_key !== null) sorted.webhooks.push({ ...read.value, id, once_key });
    else sorted.unreadable.push({ id, reason: 'outbox webhook: once_key is missing' });
  }
  return sorted;
}

/**
 * Rows that cannot be read leave the outbox for journey_outbox_dead_letters in the relay's transaction, so one bad
 * row does not stop the relay (it would fail every pass) and nothing is lost; the caller deletes them with the
 * relayed ones (docs/messages.md#unreadable-messages).
 */
async function deadLetter(client: PoolClient, rows: SortedRows['unreadable'], log: Logger): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    `INSERT INTO journey_outbox_dead_letters (id, kind, once_key, workspace_id, payload, reason)
     SELECT o.id, o.kind, o.once_key, coalesce(o.payload->>'workspace_id', o.payload->'common'->>'workspace_id'), o.payload, d.reason
       FROM journey_outbox o JOIN unnest($1::bigint[], $2::text[]) AS d(id, reason) ON d.id = o.id
     ON CONFLICT (id) DO NOTHING`,
    [rows.map((row) => row.id), rows.map((row) => row.reason)],
  );
  for (const row of rows) log.error({ outboxId: row.id, reason: row.reason }, 'outbox_row_unreadable');
}

// An events or send row holds a whole step's batch: a few per pass keep memory bounded. A webhook row is one
// contact's: many per pass, added to the queue in one round trip.
const BATCH_ROWS_PER_PASS = 4;
const WEBHOOK_ROWS_PER_PASS = 500;

const webhookJobId = (key: string): string => hashedJobId('webhook', key);

type WebhookRow = Extract<ReadRow, { kind: 'webhook' }> & { once_key: string };

async function publishWebhooks(deps: RelayDeps, rows: WebhookRow[]): Promise<void> {
  if (rows.length === 0) return;
  await deps.webhookQueue.addBulk(
    rows.map(({ payload, once_key }) => ({
      name: 'webhook',
      data: { ...payload, once_key },
      // Kept a day: a row relayed again finds its job id and adds nothing.
      opts: {
        jobId: webhookJobId(once_key),
        attempts: deps.webhookAttempts,
        backoff: { type: 'exponential', delay: deps.webhookBackoffMs },
        removeOnComplete: { age: 86_400 },
        removeOnFail: { age: 86_400 },
      },
    })),
  );
}

type RelayedMessages = Parameters<RelayDeps['producer']['sendMany']>[0];

async function publish(deps: RelayDeps, row: Exclude<ReadRow, { kind: 'webhook' }>): Promise<void> {
  if (row.kind === 'send') {
    const job = row.payload;
    // Kept a day, like webhooks: a row relayed again finds its job id and adds nothing, and Redis does not keep
    // contact ids (an erased contact's among them) of every batch ever sent.
    await deps.sendQueue.add('journey', job, {
      jobId: sendBatchJobId(job),
      removeOnComplete: { age: 86_400 },
      removeOnFail: { age: 86_400 },
    });
    return;
  }
  await deps.producer.sendMany(eventMessages(deps, row));
}

/** The Kafka messages of an outbox row of events (every kind but send and webhook). */
function eventMessages(deps: RelayDeps, row: Exclude<ReadRow, { kind: 'webhook' | 'send' }>): RelayedMessages {
  switch (row.kind) {
    case 'ab_decided': {
      // a decision concerns the tile, not a contact: keyed by the journey (docs/scheduler.md#ab-test)
      const event = abDecidedEvent(row.payload);
      return [
        {
          topic: topicForEvent(deps.topics, event.type),
          key: row.payload.journey_id,
          value: deps.codec.encodeOwn(event),
        },
      ];
    }
    case 'leads':
      // lead_generated is an email-topic event (lib/contracts/events/event-topics.ts), keyed by its contact
      return row.payload.leads.map((lead) => ({
        topic: topicForEvent(deps.topics, 'lead_generated'),
        key: lead.contact_id,
        value: deps.codec.encodeOwn(leadEvent(row.payload, lead)),
      }));
    case 'lead_scores':
      return row.payload.crossings.map((crossing) => ({
        topic: topicForEvent(deps.topics, 'lead_score_crossed'),
        key: crossing.contact_id,
        value: deps.codec.encodeOwn(crossingEvent(row.payload, crossing)),
      }));
    default:
      return tileEventMessages(deps, row.payload);
  }
}

/**
 * One Kafka message per contact (the key), its events of this row in one envelope: a produced message costs the
 * client microseconds whatever its size, and a step writes about three tile events per tile a contact crosses.
 */
function tileEventMessages(deps: RelayDeps, payload: Extract<ReadRow, { kind: 'events' }>['payload']): RelayedMessages {
  const byContact = new Map<string, Buffer[]>();
  for (const group of payload.groups)
    for (const contactId of group[5]) {
      const encoded = deps.codec.encodeOwn(tileEvent(payload, group, contactId));
      const events = byContact.get(contactId);
      if (events) events.push(encoded);
      else byContact.set(contactId, [encoded]);
    }
  return [...byContact].map(([contactId, events]) => ({
    topic: deps.topics.journeyEvents,
    key: contactId,
    value: events.length === 1 ? (events[0] as Buffer) : deps.codec.encodeBatch(contactId, events),
  }));
}

/**
 * Relays a few outbox rows: publish, then delete, in one transaction holding the rows (SKIP LOCKED, so
 * replicas relay different rows). Returns how many rows it relayed.
 *
 * NOTE: relayed at least once, applied once. A crash after publishing and before COMMIT publishes the rows
 * again: tile and lead events keep their derived event_id (the aggregator counts distinct event ids), a send batch keeps
 * its job id (sendBatchJobId) and each request its key (the sender skips keys it has recorded), a webhook keeps
 * its job id and carries its key as Idempotency-Key.
 */
export async function relayOnce(deps: RelayDeps): Promise<number> {
  return inTransaction(deps.pool, async (client) => {
    const take = (kinds: string, limit: number) =>
      // Send batches first: the mail matters more than the tile KPIs, which catch up when the engine is busy.
      client.query<OutboxRow>(
        `SELECT id, kind, once_key, payload FROM journey_outbox WHERE kind = ANY($1::text[]) ORDER BY kind <> 'send', id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [kinds.split(','), limit],
      );
    const rows = [
      ...(await take('send,events,leads,lead_scores,ab_decided', BATCH_ROWS_PER_PASS)).rows,
      ...(await take('webhook', WEBHOOK_ROWS_PER_PASS)).rows,
    ];
    if (rows.length === 0) return 0;
    const { webhooks, batches, unreadable } = sortRows(rows);
    await publishWebhooks(deps, webhooks);
    await Promise.all(batches.map((row) => publish(deps, row)));
    await deadLetter(client, unreadable, deps.log);
    await client.query('DELETE FROM journey_outbox WHERE id = ANY($1::bigint[])', [rows.map((row) => row.id)]);
    return rows.length;
  });
}

/** The relay loop: drains the outbox, then waits for a nudge (a step wrote rows) or a short poll. */
export function startRelay(deps: RelayDeps, pollMs: number): { nudge(): void; stop(): Promise<void> } {
  let running = true;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (running) {
      try {
        if ((await relayOnce(deps)) > 0) continue;
      } catch (error) {
        deps.log.warn({ err: (error as Error).message }, 'outbox_relay_failed');
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  })();
  return {
    nudge: () => wake?.(),
    stop: async () => {
      running = false;
      wake?.();
      await loop;
    },
  };
}
