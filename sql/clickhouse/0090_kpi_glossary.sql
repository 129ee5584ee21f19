-- Glossary KPI tables (issue 14): the seed 004 definitions, read by lib/insights. They replace kpi_email_daily and
-- kpi_tile_daily (0010) for every insights query; 0010's tables stay fed for the Grafana dashboards until those
-- move over. Same invariant as 0010: every cell is a uniqExact state, so replays merge instead of adding.
--
-- What changed against 0010, each from the seed's glossary (docs/clickhouse.md quotes the entries):
--  * bucket: the 15-minute UTC slot of the event. Days are the workspace's time zone (a workspace setting), so
--    queries turn buckets into local days with toString(bucket, tz); 15 minutes keeps every real offset exact
--    (+05:45, +08:45, -09:30). day (UTC) stays for partitions and pruning.
--  * metric: bounce classes as before; an attempt to an address suppressed by a hard bounce or a complaint is
--    a hard bounce or a feedback loop, never Blocked ("your email results will still show each attempt as a
--    hard bounce" / "as a feedback loop"), whether the sender writes it as a bounce/complaint event or as a
--    blocked event with reason suppressed_bounce / suppressed_complaint. Complaints of any ARF type other than
--    'abuse' (not-spam, fraud, virus, other) become complaint_not_counted: recorded, not Feedback loops.
--    Clicks on attachments become attachment_view (their own KPI, no longer inside Clicked).
--  * breakdown: link_id (clicks, attachment views), blocked reason, suppression reason (suppressed attempts),
--    ARF feedback type (complaints), unsubscribe method, friend_count (forward: Forwarded counts the addresses
--    submitted, so the query multiplies distinct forward events by this number; an event always carries the same
--    count, so replays still merge).
CREATE TABLE IF NOT EXISTS kpi_email_glossary
(
    workspace_id String,
    email_id String,
    day Date,
    bucket DateTime,
    journey_id String,
    email_version UInt32,
    metric String,
    breakdown String,
    machine UInt8,
    events AggregateFunction(uniqExact, String),
    messages AggregateFunction(uniqExact, String)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (workspace_id, email_id, day, bucket, journey_id, email_version, metric, breakdown, machine);

CREATE MATERIALIZED VIEW IF NOT EXISTS events_ingest_to_kpi_email_glossary TO kpi_email_glossary AS
SELECT workspace_id, email_id, event_date AS day, toStartOfFifteenMinutes(event_time) AS bucket, journey_id, email_version,
       multiIf(event_type = 'bounce', multiIf(bounce_class IN ('hard', 'soft'), concat('bounce_', bounce_class), 'bounce_other'),
               event_type = 'blocked' AND reason = 'suppressed_bounce', 'bounce_hard',
               event_type = 'blocked' AND reason = 'suppressed_complaint', 'complaint',
               event_type = 'complaint' AND lower(reason) != 'abuse', 'complaint_not_counted',
               event_type = 'click' AND link_kind = 'attachment', 'attachment_view',
               event_type) AS metric,
       multiIf(event_type = 'click', link_id,
               event_type IN ('blocked', 'sending_failed'), reason,
               event_type = 'complaint', lower(reason),
               event_type = 'unsubscribe', visitParamExtractString(detail, 'method'),
               event_type = 'forward', toString(greatest(1, visitParamExtractInt(detail, 'friend_count'))),
               '') AS breakdown,
       machine,
       uniqExactState(event_id) AS events,
       uniqExactState(message_id) AS messages
FROM events_ingest
WHERE email_id != '' AND event_type IN ('send', 'blocked', 'bounce', 'open', 'click', 'forward', 'unsubscribe', 'subscription_submitted', 'complaint', 'sending_failed', 'lead_generated')
GROUP BY workspace_id, email_id, day, bucket, journey_id, email_version, metric, breakdown, machine;

-- kpi_tile_glossary: tile KPIs count contacts, not events, per iteration (seed 004: "Counts how many contacts
-- entered the tile"). iteration is in the key, so a contact re-entering a recurring journey counts once per
-- iteration and twice-reported steps of one contact in one iteration count once.
CREATE TABLE IF NOT EXISTS kpi_tile_glossary
(
    workspace_id String,
    journey_id String,
    tile_id String,
    day Date,
    bucket DateTime,
    tile_type String,
    iteration UInt32,
    metric String,
    breakdown String,
    contacts AggregateFunction(uniqExact, String)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (workspace_id, journey_id, tile_id, day, bucket, tile_type, iteration, metric, breakdown);

CREATE MATERIALIZED VIEW IF NOT EXISTS events_ingest_to_kpi_tile_glossary TO kpi_tile_glossary AS
SELECT workspace_id, journey_id, tile_id, event_date AS day, toStartOfFifteenMinutes(event_time) AS bucket, tile_type, iteration,
       replaceOne(event_type, 'tile_', '') AS metric,
       multiIf(event_type = 'tile_path_taken', path_id, event_type IN ('tile_blocked', 'tile_failed'), reason, '') AS breakdown,
       uniqExactState(contact_id) AS contacts
FROM events_ingest
WHERE event_type IN ('tile_inflow', 'tile_processed', 'tile_blocked', 'tile_failed', 'tile_path_taken')
GROUP BY workspace_id, journey_id, tile_id, day, bucket, tile_type, iteration, metric, breakdown;

-- No backfill here: the views' SELECTs are the only definition, and lib/retention/kpi-rebuild.ts replays them
-- over events_raw (services/aggregator/kpi-backfill.main.ts once after this migration; erasure per contact).
