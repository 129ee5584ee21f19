import { raw, sql } from '../../lib/platform/clickhouse/sql';
import type { ClickHouse } from '../../lib/platform/clickhouse/clickhouse-client';
import { EventCodec } from '../../lib/contracts/events/event-codec';
import type { CairnEvent, EmailEventType, JourneyEventType } from '../../lib/contracts/events/event-types';
import { BatchingProducer, type KafkaCluster } from '../../lib/platform/kafka/kafka-client';
import { type Topics } from '../../lib/platform/kafka/topics';
import { topicForEvent } from '../../lib/contracts/events/event-topics';
import { loadAggregatorConfig } from '../../services/aggregator/aggregator.config';
import { buildAggregator } from '../../services/aggregator/aggregator.app';
import { newId, testLogger, uniqueName, type TestEnv } from '../support/test-env';

export const codec = new EventCodec();

/** An aggregator on the test env's topics and ClickHouse database, started (a short session: tests rejoin fast). */
export async function startAggregator(
  env: TestEnv,
  groupId = uniqueName('agg'),
  login: Record<string, string> = {},
): Promise<ReturnType<typeof buildAggregator>> {
  const config = loadAggregatorConfig({
    ...login,
    CAIRN_CLICKHOUSE_URL: env.settings.clickhouseUrl,
    CAIRN_TOPIC_PREFIX: env.topicPrefix,
    CAIRN_CLICKHOUSE_DATABASE: env.clickhouseDatabase,
    CAIRN_AGGREGATOR_GROUP_ID: groupId,
    CAIRN_AGGREGATOR_SESSION_TIMEOUT_MS: '6000',
  });
  const aggregator = buildAggregator(config, testLogger('aggregator'));
  await aggregator.start();
  return aggregator;
}

/** An email event with sensible defaults; fields override. */
export function emailEvent(type: EmailEventType, fields: Record<string, unknown>): CairnEvent {
  const payload: Record<string, unknown> =
    ({
      blocked: { reason: 'do_not_bulk_email' },
      bounce: { bounce_class: 'hard' },
      click: { link_id: 'l1', url: 'https://example.com/1' },
      unsubscribe: { method: 'one_click' },
      complaint: { feedback_type: 'abuse' },
      sending_failed: { error_code: 'SMTP_DOWN' },
      lead_generated: { lead_id: newId() },
    }[type as string] as Record<string, unknown> | undefined) ?? {};
  const data = {
    event_id: newId(),
    event_time: Date.now(),
    workspace_id: 'w',
    contact_id: 'c',
    message_id: 'm',
    email_id: 'e',
    email_version: 1,
    journey_id: 'j',
    ...payload,
    ...fields,
  };
  return { type, data } as unknown as CairnEvent;
}

export function tileEvent(type: JourneyEventType, fields: Record<string, unknown>): CairnEvent {
  const payload =
    type === 'tile_blocked' ? { reason: 'unsubscribed' } : type === 'tile_failed' ? { error_code: 'X' } : {};
  const data = {
    event_id: newId(),
    event_time: Date.now(),
    workspace_id: 'w',
    contact_id: 'c',
    journey_id: 'j',
    tile_id: 't',
    tile_type: 'email',
    ...payload,
    ...fields,
  };
  return { type, data } as unknown as CairnEvent;
}

/** Produces events keyed by contact (the topic layout's per-contact order); version pins an older schema. */
export async function produce(
  kafka: KafkaCluster,
  topics: Topics,
  events: CairnEvent[],
  version?: number,
): Promise<void> {
  const producer = await BatchingProducer.connect(kafka, { lingerMs: 5, maxBatch: 2000 });
  try {
    await Promise.all(
      events.map((event) =>
        producer.send({
          topic: topicForEvent(topics, event.type),
          key: event.data.contact_id,
          value: version === undefined ? codec.encode(event) : codec.encodeWithVersion(event, version),
        }),
      ),
    );
  } finally {
    await producer.disconnect();
  }
}

export interface Recount {
  [metric: string]: { events: number; messages: number };
}

/**
 * The independent recount docs/clickhouse.md#exactly-once-in-effect promises equality with: straight from events_raw by
 * distinct event_id (and distinct message_id for uniques), not through any KPI table or insights code.
 */
export async function recountEmail(
  ch: ClickHouse,
  workspaceId: string,
  emailId: string,
  machine: 0 | 1 = 0,
): Promise<Recount> {
  const rows = await ch.rows<{ metric: string; events: string; messages: string }>(sql`
    SELECT if(event_type = 'bounce', concat('bounce_', if(bounce_class IN ('hard', 'soft'), bounce_class, 'other')), event_type) AS metric,
           uniqExact(event_id) AS events, uniqExact(message_id) AS messages
    FROM events_raw WHERE workspace_id = ${workspaceId} AND email_id = ${emailId} AND machine = ${machine}
    GROUP BY metric`);
  return Object.fromEntries(
    rows.map((row) => [row.metric, { events: Number(row.events), messages: Number(row.messages) }]),
  );
}

export async function rawCounts(ch: ClickHouse): Promise<{ rows: number; distinct: number }> {
  const rows = await ch.rows<{ rows: string; distinct: string }>(
    raw.trusted('SELECT count() AS rows, uniqExact(event_id) AS distinct FROM events_raw'),
  );
  return { rows: Number(rows[0]?.rows ?? 0), distinct: Number(rows[0]?.distinct ?? 0) };
}
