import type { Pool, PoolClient } from 'pg';
import type { EventCodec } from '../../lib/contracts/events/event-codec';
import type { CairnEvent } from '../../lib/contracts/events/event-types';
import type { TriggerCondition } from '../../lib/domain/journeys/journey-graph';
import type { BatchingProducer } from '../../lib/platform/kafka/kafka-client';
import { startDecodingConsumer, type DecodedMessage } from '../../lib/platform/kafka/decoding-consumer';
import type { Topics } from '../../lib/platform/kafka/topics';
import type { Logger } from '../../lib/platform/logger';
import { inTransaction } from '../../lib/platform/postgres/pg-pool';
import { loadJourney, targetsAccounts, type JourneyRuntime } from './journey-runtime';
import { countForBreaker, DEFAULT_BREAKER, tripBreakers, type BreakerSettings } from './journey-breaker';
import { countForDomainBreaker, tripDomainBreakers, type CountedEngagement } from './domain-breaker';
import { engagementsOf, parseCondition } from './tile-rules';
import { recordGoals } from './journey-goal';
import { recordWebActivity } from './web-activity';
import { scoreLeads } from './lead-scoring';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A trigger that an engagement wakes at once (positive conditions; negations wait for the timeout). */
export interface WakeableTrigger {
  journeyId: string;
  tileId: string;
  emailTileId: string;
  kind: string;
  linkId: string;
  byAccount: boolean;
}

export function wakeableTriggers(journey: JourneyRuntime): WakeableTrigger[] {
  return journey.row.graph.tiles.flatMap((tile) => {
    if (tile.type !== 'trigger') return [];
    const condition = parseCondition(tile.config?.condition as TriggerCondition, tile.config?.link_id);
    // web conditions are woken by the submission or visit itself (web-activity.ts)
    if (condition.decidedAtTimeout || condition.web) return [];
    return [
      {
        journeyId: journey.row.id,
        tileId: tile.id,
        emailTileId: String(tile.config?.email_tile_id ?? ''),
        kind: condition.kind,
        linkId: condition.linkId,
        byAccount: targetsAccounts(journey),
      },
    ];
  });
}

/**
 * Makes waiting contacts due at once when an engagement recorded since `since` meets their trigger (the whole
 * account when the journey targets accounts: the first contact to meet the condition decides for all).
 * Idempotent: it only moves due_at of contacts still waiting. Returns the (journey, tile) pairs woken.
 */
export async function wakeTriggers(
  db: Pick<PoolClient, 'query'>,
  triggers: WakeableTrigger[],
  since: string,
): Promise<Array<{ journey_id: string; tile_id: string }>> {
  if (triggers.length === 0) return [];
  const { rows } = await db.query<{ journey_id: string; tile_id: string }>(
    // NOTE: the contact and the account matches are two arms of a UNION, not one OR: with the OR, PostgreSQL
    // probed journey_contacts by contact_id alone (a full primary-key scan per engagement: 9.9 s for 2,698 clicks
    // over 30,000 contacts, so the tick's 5-minute sweep grew to minutes and timeouts fired minutes late).
    `WITH tr AS (SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bool[]) AS t(j, trig, email_tile, kind, link, by_account)),
          met AS (SELECT tr.trig, tr.by_account, e.journey_id, e.iteration, e.contact_id, e.account_id
                  FROM tr JOIN journey_engagements e ON e.journey_id = tr.j AND e.email_tile_id = tr.email_tile AND e.kind = tr.kind AND (tr.link = '' OR e.link_id = tr.link)
                  WHERE e.created_at >= $7::timestamptz),
          hit AS (SELECT jc.journey_id, jc.iteration, jc.contact_id, jc.tile_id
                  FROM met JOIN journey_contacts jc ON jc.journey_id = met.journey_id AND jc.iteration = met.iteration AND jc.contact_id = met.contact_id AND jc.tile_id = met.trig
                  WHERE jc.state = 'waiting' AND jc.due_at > 'epoch'
                  UNION
                  SELECT jc.journey_id, jc.iteration, jc.contact_id, jc.tile_id
                  FROM met JOIN journey_contacts jc ON jc.journey_id = met.journey_id AND jc.iteration = met.iteration AND jc.account_id = met.account_id AND jc.tile_id = met.trig
                  WHERE met.by_account AND jc.state = 'waiting' AND jc.due_at > 'epoch')
     UPDATE journey_contacts jc SET due_at = 'epoch' FROM hit
     WHERE jc.journey_id = hit.journey_id AND jc.iteration = hit.iteration AND jc.contact_id = hit.contact_id AND jc.tile_id = hit.tile_id AND jc.state = 'waiting'
     RETURNING jc.journey_id::text, jc.tile_id`,
    [
      triggers.map((t) => t.journeyId),
      triggers.map((t) => t.tileId),
      triggers.map((t) => t.emailTileId),
      triggers.map((t) => t.kind),
      triggers.map((t) => t.linkId),
      triggers.map((t) => t.byAccount),
      since,
    ],
  );
  const seen = new Map(rows.map((r) => [`${r.journey_id}/${r.tile_id}`, r]));
  return [...seen.values()];
}

interface EngagementRow {
  journeyId: string;
  iteration: number;
  emailTileId: string;
  contactId: string;
  kind: string;
  linkId: string;
  /** the email version the event names: its From domain is counted by the sending-domain breaker */
  emailId: string;
  emailVersion: number;
}

/** An engagement row's identity (its primary key), as the insert returns it. */
const rowKey = (r: { j: string; i: number; t: string; c: string; k: string; l: string }): string =>
  [r.j.toLowerCase(), r.i, r.t, r.c.toLowerCase(), r.k, r.l].join('\n');

function engagementRows(event: CairnEvent): EngagementRow[] {
  if (event.type === 'tile_inflow' || !('email_id' in event.data)) return [];
  const { journey_id: journeyId, tile_id: emailTileId, contact_id: contactId, iteration } = event.data;
  const { email_id: emailId, email_version: emailVersion } = event.data;
  if (!journeyId || !emailTileId || !UUID.test(journeyId) || !UUID.test(contactId)) return [];
  // complaints also feed the circuit breakers (docs/scheduler.md#circuit-breaker)
  return engagementsOf(event).map((engagement) => ({
    journeyId,
    iteration: iteration ?? 0,
    emailTileId,
    contactId,
    kind: engagement.kind,
    linkId: engagement.linkId,
    emailId,
    emailVersion,
  }));
}

type InsertedEngagement = {
  journey_id: string;
  iteration: number;
  email_tile_id: string;
  contact_id: string;
  kind: string;
  link_id: string;
};

/**
 * Both breakers count the rows the insert created, in its transaction (docs/scheduler.md#circuit-breaker): the
 * journeys', then the sending domains' (each row with the email version its event named), then each trips.
 */
async function countAndTrip(
  client: Pick<PoolClient, 'query'>,
  rows: readonly EngagementRow[],
  inserted: readonly InsertedEngagement[],
  options: { breaker?: BreakerSettings; log?: Logger },
): Promise<void> {
  const settings = options.breaker ?? DEFAULT_BREAKER;
  const counted = await countForBreaker(client, inserted);
  for (const paused of await tripBreakers(client, counted, settings)) options.log?.warn(paused, 'journey_paused');
  const byKey = new Map(
    rows.map((r) => [
      rowKey({ j: r.journeyId, i: r.iteration, t: r.emailTileId, c: r.contactId, k: r.kind, l: r.linkId }),
      r,
    ]),
  );
  const withEmail = inserted.flatMap((e): CountedEngagement[] => {
    const row = byKey.get(
      rowKey({ j: e.journey_id, i: e.iteration, t: e.email_tile_id, c: e.contact_id, k: e.kind, l: e.link_id }),
    );
    return row
      ? [{ journey_id: e.journey_id, kind: e.kind, email_id: row.emailId, email_version: row.emailVersion }]
      : [];
  });
  const domains = await countForDomainBreaker(client, withEmail);
  for (const paused of await tripDomainBreakers(client, domains, settings))
    options.log?.warn(paused, 'sending_domain_paused');
}

/**
 * Records a batch of engagement events and wakes the triggers they meet, in one transaction. An erased
 * contact's events (still in Kafka when it was erased) record nothing: it has left every journey.
 *
 * NOTE: idempotent per event: an engagement is a row keyed by (journey, iteration, email tile, contact, kind,
 * link), inserted ON CONFLICT DO NOTHING, and waking only moves contacts that still wait, so a Kafka redelivery
 * of the batch changes nothing. Offsets are committed after this resolves (startDecodingConsumer).
 */
export async function recordEngagements(
  pool: Pool,
  events: readonly CairnEvent[],
  options: { breaker?: BreakerSettings; log?: Logger } = {},
): Promise<Array<{ journey_id: string; tile_id: string }>> {
  const rows = events.flatMap(engagementRows);
  if (rows.length === 0) return [];
  return inTransaction(pool, async (client) => {
    const { rows: stamp } = await client.query<{ now: string }>('SELECT now()::text AS now');
    const inserted = await client.query<InsertedEngagement>(
      `INSERT INTO journey_engagements (journey_id, iteration, email_tile_id, contact_id, account_id, kind, link_id)
       SELECT e.j, e.i, e.t, e.c, jc.account_id, e.k, e.l
       FROM unnest($1::uuid[], $2::int[], $3::text[], $4::uuid[], $5::text[], $6::text[]) AS e(j, i, t, c, k, l)
       LEFT JOIN journey_contacts jc ON jc.journey_id = e.j AND jc.iteration = e.i AND jc.contact_id = e.c
       WHERE NOT EXISTS (SELECT 1 FROM contact_erasures x WHERE x.contact_id = e.c)
       ON CONFLICT DO NOTHING
       RETURNING journey_id::text, iteration, email_tile_id, contact_id::text, kind, link_id`,
      [
        rows.map((r) => r.journeyId),
        rows.map((r) => r.iteration),
        rows.map((r) => r.emailTileId),
        rows.map((r) => r.contactId),
        rows.map((r) => r.kind),
        rows.map((r) => r.linkId),
      ],
    );
    await countAndTrip(client, rows, inserted.rows, options);
    const triggers: WakeableTrigger[] = [];
    for (const journeyId of new Set(rows.map((r) => r.journeyId))) {
      const journey = await loadJourney(client, journeyId);
      if (journey) triggers.push(...wakeableTriggers(journey));
    }
    return wakeTriggers(client, triggers, stamp[0]?.now ?? 'now');
  });
}

/**
 * The Kafka side: email events in (engagements, and the form submissions and page visits of inbound journeys),
 * poison messages to the dead-letter topic (lib/platform/kafka), woken tiles out.
 */
export function startEngagementConsumer(options: {
  kafka: Parameters<typeof startDecodingConsumer>[0]['kafka'];
  groupId: string;
  topics: Topics;
  codec: EventCodec;
  producer: BatchingProducer;
  pool: Pool;
  log: Logger;
  fromBeginning: boolean;
  poisonAttempts: number;
  breaker?: BreakerSettings;
  /** the engine's clock (form tile entry and web triggers act in the iteration active now); default Date.now */
  now?: () => number;
  /** form tile entries wrote outbox rows */
  onOutbox?: () => void;
  onWoken: (woken: Array<{ journey_id: string; tile_id: string }>) => Promise<void>;
}): ReturnType<typeof startDecodingConsumer> {
  return startDecodingConsumer({
    kafka: options.kafka,
    groupId: options.groupId,
    topics: [options.topics.emailEvents],
    deadLetterTopic: options.topics.deadLetter,
    decode: (bytes) => options.codec.decode(bytes),
    producer: options.producer,
    log: options.log.child({ component: 'engagement-consumer' }),
    fromBeginning: options.fromBeginning,
    poisonAttempts: options.poisonAttempts,
    onBatch: async (events: DecodedMessage<CairnEvent>[]) => {
      const values = events.map((e) => e.value);
      const woken = await recordEngagements(options.pool, values, { breaker: options.breaker, log: options.log });
      // form submissions and page visits (docs/scheduler.md#inbound-journeys)
      const now = (options.now ?? Date.now)();
      const web = await recordWebActivity(options.pool, values, now);
      // goals after entries, so a submission that enters a contact can also reach the goal (docs/scheduler.md#goal)
      const goals = await recordGoals(options.pool, values, now);
      // lead scores last: a crossing may wake a lead score trigger (docs/lead-scoring.md#scoring)
      const scores = await scoreLeads(options.pool, values, now);
      if (web.outbox || goals || scores.outbox) options.onOutbox?.();
      const all = [...woken, ...web.woken, ...scores.woken];
      if (all.length > 0) await options.onWoken(all);
    },
  });
}
