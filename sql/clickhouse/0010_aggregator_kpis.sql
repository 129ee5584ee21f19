-- Aggregator schema: one ingress table, KPI tables kept current by materialized views, a contact timeline and
-- the Kafka offset ledger. Runs on ClickHouse 18.16 and current ClickHouse (checked with chdb in test/chdb).
--
-- NOTE: exactly-once in effect rests on two invariants (see services/aggregator/offset-ledger.ts):
--  1. Every KPI column is a uniqExact state over event_id (totals) or message_id / contact_id (uniques), never a
--     plain counter. Feeding the same event twice (a Kafka replay, a producer retry, an erasure rebuild) merges
--     into the same state, so a KPI always equals the recount from raw events by distinct event_id.
--  2. The aggregator writes each batch with ONE insert into events_ingest (one block, so all or nothing) that
--     carries every row's Kafka topic/partition/offset; kafka_offsets is fed from that same insert. On restart
--     the aggregator resumes from kafka_offsets, not from Kafka's committed offset, so a crash between the
--     insert and the offset commit never writes a row to events_raw twice.

-- events_ingest: the aggregator's only write target. Null engine: it stores nothing itself; the views below
-- fan each inserted block out to events_raw, the KPI tables, the contact timeline and the offset ledger.
-- It exists because events_raw (0001) has no Kafka position columns and 18.16 cannot ADD COLUMN IF NOT EXISTS.
CREATE TABLE IF NOT EXISTS events_ingest
(
    event_id String,
    event_type String,
    event_date Date,
    event_time DateTime,
    event_time_ms UInt64,
    workspace_id String,
    contact_id String,
    message_id String,
    email_id String,
    email_version UInt32,
    journey_id String,
    tile_id String,
    tile_type String,
    iteration UInt32,
    machine UInt8,
    machine_reason String,
    link_id String,
    url String,
    link_kind String,
    reason String,
    bounce_class String,
    smtp_code UInt16,
    enhanced_status String,
    path_id String,
    detail String,
    kafka_topic String,
    kafka_partition UInt32,
    kafka_offset UInt64
)
ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS events_ingest_to_raw TO events_raw AS
SELECT event_id, event_type, event_date, event_time, event_time_ms, workspace_id, contact_id, message_id,
       email_id, email_version, journey_id, tile_id, tile_type, iteration, machine, machine_reason, link_id, url,
       link_kind, reason, bounce_class, smtp_code, enhanced_status, path_id, detail, now() AS inserted_at
FROM events_ingest;

-- kpi_email_daily: email KPIs per email x version x journey x day, one row per metric in a tall layout so a new
-- metric needs no schema change. metric is the event type, with bounces split into bounce_hard/soft/other;
-- detail is the link_id for clicks (link KPIs and click-through rate) and the reason for blocked.
-- machine is part of the key: bot/scanner events stay countable but human KPIs filter machine = 0.
-- ORDER BY leads with workspace and email because every insights query filters on both, then day for date
-- ranges; the remaining columns complete the aggregation key.
CREATE TABLE IF NOT EXISTS kpi_email_daily
(
    workspace_id String,
    email_id String,
    day Date,
    journey_id String,
    email_version UInt32,
    metric String,
    detail String,
    machine UInt8,
    events AggregateFunction(uniqExact, String),
    messages AggregateFunction(uniqExact, String)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (workspace_id, email_id, day, journey_id, email_version, metric, detail, machine);

CREATE MATERIALIZED VIEW IF NOT EXISTS events_ingest_to_kpi_email TO kpi_email_daily AS
SELECT workspace_id, email_id, event_date AS day, journey_id, email_version,
       multiIf(event_type = 'bounce', multiIf(bounce_class IN ('hard', 'soft'), concat('bounce_', bounce_class), 'bounce_other'), event_type) AS metric,
       multiIf(event_type = 'click', link_id, event_type = 'blocked', reason, '') AS detail,
       machine,
       uniqExactState(event_id) AS events,
       uniqExactState(message_id) AS messages
FROM events_ingest
WHERE email_id != '' AND event_type IN ('send', 'blocked', 'bounce', 'open', 'click', 'forward', 'unsubscribe', 'subscription_submitted', 'complaint', 'sending_failed', 'lead_generated')
GROUP BY workspace_id, email_id, day, journey_id, email_version, metric, detail, machine;

-- kpi_tile_daily: journey tile KPIs (inflow, processed, blocked, failed, path_taken) per tile and day; detail
-- is the path_id for path_taken and the reason for blocked. Processing (waiting) is derived at query time:
-- inflow - processed - blocked - failed. ORDER BY serves "all tiles of one journey" first.
CREATE TABLE IF NOT EXISTS kpi_tile_daily
(
    workspace_id String,
    journey_id String,
    tile_id String,
    day Date,
    tile_type String,
    metric String,
    detail String,
    events AggregateFunction(uniqExact, String),
    contacts AggregateFunction(uniqExact, String)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (workspace_id, journey_id, tile_id, day, tile_type, metric, detail);

CREATE MATERIALIZED VIEW IF NOT EXISTS events_ingest_to_kpi_tile TO kpi_tile_daily AS
SELECT workspace_id, journey_id, tile_id, event_date AS day, tile_type,
       replaceOne(event_type, 'tile_', '') AS metric,
       multiIf(event_type = 'tile_path_taken', path_id, event_type = 'tile_blocked', reason, '') AS detail,
       uniqExactState(event_id) AS events,
       uniqExactState(contact_id) AS contacts
FROM events_ingest
WHERE event_type IN ('tile_inflow', 'tile_processed', 'tile_blocked', 'tile_failed', 'tile_path_taken')
GROUP BY workspace_id, journey_id, tile_id, day, tile_type, metric, detail;

-- contact_events: the per-contact interaction timeline. Same rows as events_raw, sorted by contact so one
-- contact's history is a range read instead of a scan. ReplacingMergeTree + FINAL in queries folds replays.
CREATE TABLE IF NOT EXISTS contact_events
(
    workspace_id String,
    contact_id String,
    event_time DateTime,
    event_id String,
    event_type String,
    event_date Date,
    message_id String,
    email_id String,
    email_version UInt32,
    journey_id String,
    tile_id String,
    link_id String,
    url String,
    reason String,
    machine UInt8
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(event_date)
ORDER BY (workspace_id, contact_id, event_time, event_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS events_ingest_to_contact TO contact_events AS
SELECT workspace_id, contact_id, event_time, event_id, event_type, event_date, message_id, email_id,
       email_version, journey_id, tile_id, link_id, url, reason, machine
FROM events_ingest
WHERE contact_id != '';

-- kafka_offsets: the highest Kafka offset written per topic/partition, fed by the same insert as the rows.
-- The aggregator resumes from here (next offset = max + 1). Tiny, never partitioned, never dropped by retention.
-- The view's name sorts last on purpose: 18.16 pushes to views in name order, so the offset is recorded only
-- after the data views have taken the block.
CREATE TABLE IF NOT EXISTS kafka_offsets
(
    kafka_topic String,
    kafka_partition UInt32,
    max_offset AggregateFunction(max, UInt64)
)
ENGINE = AggregatingMergeTree
ORDER BY (kafka_topic, kafka_partition);

CREATE MATERIALIZED VIEW IF NOT EXISTS zz_events_ingest_to_kafka_offsets TO kafka_offsets AS
SELECT kafka_topic, kafka_partition, maxState(kafka_offset) AS max_offset
FROM events_ingest
GROUP BY kafka_topic, kafka_partition;
