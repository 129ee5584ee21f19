-- Email KPIs per journey tile (issue 23, item 13), and feedback reports by their ARF type (item 16).
--
-- kpi_email_tile_glossary has kpi_email_glossary's shape (0090) with tile_id in the key: an email used by two
-- tiles of one journey is told apart, and merging the states of all tiles gives the journey's (or the email's)
-- figures exactly, since every cell is a uniqExact state. The insights (services/api/insights) and the
-- dashboards read it in place of kpi_email_glossary, which 0090's view keeps filling for readers outside Cairn.
-- Every email event carries the tile that sent it (tile_id, in every email event schema since v1; '' for a
-- one-to-one message or a test send).
--
-- What changed against 0090 besides the tile:
--  * complaints: every ARF report is metric 'complaint' with its type (lower-case) as breakdown; an attempt to a
--    complaint-suppressed address written as blocked (reason suppressed_complaint, the older sender shape) is
--    'complaint' of type 'abuse', as the sender's newer shape writes it. Which types Feedback loops counts is
--    decided in one place in the code (lib/domain/bounces/feedback-types.ts, docs/kpis.md#feedback-loops), not
--    here, so this table never has to be rebuilt when that decision changes.
CREATE TABLE IF NOT EXISTS kpi_email_tile_glossary
(
    workspace_id String,
    email_id String,
    day Date,
    bucket DateTime,
    journey_id String,
    tile_id String,
    email_version UInt32,
    metric String,
    breakdown String,
    machine UInt8,
    events AggregateFunction(uniqExact, String),
    messages AggregateFunction(uniqExact, String)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (workspace_id, email_id, day, bucket, journey_id, tile_id, email_version, metric, breakdown, machine);

CREATE MATERIALIZED VIEW IF NOT EXISTS events_ingest_to_kpi_email_tile_glossary TO kpi_email_tile_glossary AS
SELECT workspace_id, email_id, event_date AS day, toStartOfFifteenMinutes(event_time) AS bucket, journey_id, tile_id, email_version,
       multiIf(event_type = 'bounce', multiIf(bounce_class IN ('hard', 'soft'), concat('bounce_', bounce_class), 'bounce_other'),
               event_type = 'blocked' AND reason = 'suppressed_bounce', 'bounce_hard',
               event_type = 'blocked' AND reason = 'suppressed_complaint', 'complaint',
               event_type = 'click' AND link_kind = 'attachment', 'attachment_view',
               event_type) AS metric,
       multiIf(event_type = 'blocked' AND reason = 'suppressed_complaint', 'abuse',
               event_type = 'click', link_id,
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
GROUP BY workspace_id, email_id, day, bucket, journey_id, tile_id, email_version, metric, breakdown, machine;

-- No backfill here: run services/aggregator/kpi-backfill.main.ts once after this migration; it replays this view
-- over events_raw (lib/domain/kpis/kpi-rebuild.ts), as it did for 0090.
