-- kpi_email_glossary (0090) is no longer filled (issue 28): since 0130 every insights query, the dashboards, the
-- retention and erasure jobs and the backfill read or rebuild kpi_email_tile_glossary, which holds the same rows
-- with the tile in the key (merging the tiles' states gives exactly the old rows; only ARF types other than
-- 'abuse' are now 'complaint' of their type instead of 'complaint_not_counted'). Its view cost the aggregator one
-- more GROUP BY over every insert for a table nothing in Cairn reads (docs/clickhouse.md#kpi-tables).
-- The view goes first, so no insert is left writing into a table being dropped. IF EXISTS: a re-run is a no-op.
DROP TABLE IF EXISTS events_ingest_to_kpi_email_glossary;

DROP TABLE IF EXISTS kpi_email_glossary;
