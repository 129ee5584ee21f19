-- engagement_events (issue 16): the events of one-to-one messages (services/engagement, docs/engagement.md),
-- sorted by message: a message is one frozen email version (email_id, email_version), so its interaction history
-- and its KPIs are a range read, and a template's messages (email_id = template id) are one prefix. One-to-one
-- messages are the email events with no journey (the sender's direct sends, ingest's hits on their tokens, the
-- engagement service's replies); marketing volume never reaches this table.
-- ReplacingMergeTree by event_id folds replays at merge time; every query counts uniqExact(event_id) (or
-- message_id), so a replay is never counted twice before a merge either.
-- detail keeps the user agent (device type) and the reply's source as events_raw has them.
-- Monthly partitions like events_raw: the retention job drops months (18.16 has no TTL).
CREATE TABLE IF NOT EXISTS engagement_events
(
    workspace_id String,
    email_id String,
    email_version UInt32,
    event_time DateTime,
    event_id String,
    event_type String,
    event_date Date,
    event_time_ms UInt64,
    contact_id String,
    message_id String,
    machine UInt8,
    machine_reason String,
    link_id String,
    url String,
    link_kind String,
    reason String,
    bounce_class String,
    detail String
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(event_date)
ORDER BY (workspace_id, email_id, email_version, event_time, event_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS events_ingest_to_engagement TO engagement_events AS
SELECT workspace_id, email_id, email_version, event_time, event_id, event_type, event_date, event_time_ms, contact_id,
       message_id, machine, machine_reason, link_id, url, link_kind, reason, bounce_class, detail
FROM events_ingest
WHERE journey_id = '' AND email_id != ''
  AND event_type IN ('send', 'blocked', 'bounce', 'sending_failed', 'complaint', 'open', 'click', 'reply');
