-- Data the Grafana dashboards (dashboards/, issue 15) need and the event stream does not carry. None of these
-- tables is fed by the events_ingest insert, so the aggregator's exactly-once insert (0010) is untouched.

-- dead_letters: one row per message the aggregator sent to the dead-letter topic, recorded by the aggregator's
-- dead-letter recorder (services/aggregator/dead-letter.recorder.ts), which consumes that topic. NOTE: a message
-- can be dead-lettered twice (the aggregator died before its offset moved) and a recorder batch can be written
-- twice (it died before committing): the dashboards count uniqExact(original_topic, original_partition,
-- original_offset), the message's own Kafka position, and the latest copy (by dead_lettered_at, the version) is
-- the one ReplacingMergeTree keeps, so "when" reads max(dead_lettered_at) and stays the same before and after a merge.
-- No payload and no key are kept (they may hold personal data); the bytes stay in the topic.
-- Monthly partitions like the event tables; ORDER BY serves "latest dead letters" and the dedup key alike.
CREATE TABLE IF NOT EXISTS dead_letters
(
    day Date,
    dead_lettered_at DateTime,
    original_topic String,
    original_partition UInt32,
    original_offset UInt64,
    error_code String,
    error_message String
)
ENGINE = ReplacingMergeTree(dead_lettered_at)
PARTITION BY toYYYYMM(day)
ORDER BY (original_topic, original_partition, original_offset);

-- contact_time_zones: each contact's IANA time zone (PostgreSQL contacts.time_zone), copied by the time-zone sync
-- job (services/aggregator/time-zone-sync.main.ts) so the engagement dashboard can place opens and clicks in the
-- recipient's local time. The latest copy wins (argMax by updated_at; ReplacingMergeTree folds the rest), so a sync
-- that runs twice, or overlaps another, changes nothing. Erasing a contact deletes its row (lib/retention).
CREATE TABLE IF NOT EXISTS contact_time_zones
(
    workspace_id String,
    contact_id String,
    time_zone String,
    updated_at DateTime
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (workspace_id, contact_id);

-- time_zone_offsets: the UTC offset of a zone from valid_from on, one row per transition (daylight saving time,
-- zone history), written by the same job from Node's time-zone data for the zones contacts use. ClickHouse takes a
-- time zone only as a constant argument (18.16 and current alike), so a query with one zone per row applies the
-- offset in force at the event instead: offsets[arrayCount(start -> start <= event_time, starts)].
CREATE TABLE IF NOT EXISTS time_zone_offsets
(
    time_zone String,
    valid_from DateTime,
    offset_seconds Int32
)
ENGINE = ReplacingMergeTree
ORDER BY (time_zone, valid_from);
