-- events_raw: every event Cairn decoded from Kafka, one row per event, machine (bot/scanner) traffic included
-- and flagged. It is the ground truth that every KPI must equal when recounted by distinct event_id.
-- ReplacingMergeTree folds replays of one event_id at merge time; counts that must be exact before a merge
-- use uniqExact(event_id) or the KPI tables fed exactly once by the aggregator.
-- ORDER BY starts with workspace and event type because every analyst query filters on both, then the day
-- and the event_id, which makes the sort key identical for replays of the same event (dedup key).
-- Monthly partitions: the retention job drops whole months (18.16 has no TTL).
CREATE TABLE IF NOT EXISTS events_raw
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
    inserted_at DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(event_date)
ORDER BY (workspace_id, event_type, event_date, event_id);
