-- Total generated leads counts leads generated as a result of an email (docs/pages-and-forms.md#leads,
-- docs/kpis.md#generated-leads): a `lead_generated` event counts for an email only when it names a message
-- (`message_id != ''`). Since lead_generated v2 a lead also comes from a plain form submission, a create-lead tile or a
-- batch post that names no message; those never belong to an email's figures. 0130's view let any lead_generated
-- with an email id in, so this migration recreates it with that one condition added; everything else is 0130's.
-- The insights (services/api/insights/email-kpis.ts), the dashboards and the rebuilds (lib/domain/kpis/kpi-rebuild.ts
-- reads the view's SELECT back from the server) all follow from the view.
-- The old view goes first; inserts that arrive between the DROP and the CREATE feed no glossary row: run the
-- migration with the aggregator stopped, or run services/aggregator/kpi-backfill.main.ts afterwards (its states merge
-- by event_id, nothing counts twice). Rows written before this migration by a lead naming no message stay until that
-- backfill's rebuild of their month.
DROP TABLE IF EXISTS events_ingest_to_kpi_email_tile_glossary;

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
  AND (event_type != 'lead_generated' OR message_id != '')
GROUP BY workspace_id, email_id, day, bucket, journey_id, tile_id, email_version, metric, breakdown, machine;
