-- Geography (issue 14): opens and clicks by the country of the client address. Ingest looks the country up
-- (open.v2, click.v3: `country`, ISO 3166-1 alpha-2, null when unknown) and never stores the address. The
-- country has no column of its own in events_ingest/events_raw: like every event field without one it travels in
-- `detail` (JSON), so this migration adds a table and its view and alters nothing that the aggregator writes.
-- An event without a country (unknown, IPv6, private, or written before open.v2/click.v3) has country ''.
--
-- kpi_email_geography has kpi_email_glossary's shape (0090) with country in place of breakdown, so the KPI
-- expressions of lib/insights/email-kpis.ts (Opened/Clicked total and unique, human only) run on it unchanged.
-- Same invariant as 0010/0090: every cell is a uniqExact state, so replays merge instead of adding. Its metric is
-- 0090's for opens and clicks: clicks on attachments are attachment_view, their own KPI, not Clicked.
CREATE TABLE IF NOT EXISTS kpi_email_geography
(
    workspace_id String,
    email_id String,
    day Date,
    bucket DateTime,
    journey_id String,
    email_version UInt32,
    metric String,
    country String,
    machine UInt8,
    events AggregateFunction(uniqExact, String),
    messages AggregateFunction(uniqExact, String)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (workspace_id, email_id, day, bucket, journey_id, email_version, metric, country, machine);

CREATE MATERIALIZED VIEW IF NOT EXISTS events_ingest_to_kpi_email_geography TO kpi_email_geography AS
SELECT workspace_id, email_id, event_date AS day, toStartOfFifteenMinutes(event_time) AS bucket, journey_id, email_version,
       if(event_type = 'click' AND link_kind = 'attachment', 'attachment_view', event_type) AS metric,
       visitParamExtractString(detail, 'country') AS country,
       machine,
       uniqExactState(event_id) AS events,
       uniqExactState(message_id) AS messages
FROM events_ingest
WHERE email_id != '' AND event_type IN ('open', 'click')
GROUP BY workspace_id, email_id, day, bucket, journey_id, email_version, metric, country, machine;

-- No backfill here: events before open.v2/click.v3 carry no country. To fill the table from raw events already
-- stored (they count as country ''), run services/aggregator/kpi-backfill.main.ts once (it replays this view).
