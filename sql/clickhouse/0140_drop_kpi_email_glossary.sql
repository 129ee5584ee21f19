-- kpi_email_glossary (0090) is read by nothing in Cairn any more (issue 28): since 0130 every insights query,
-- the dashboards, the retention and erasure jobs and the backfill read or rebuild kpi_email_tile_glossary, which
-- holds the same rows with the tile in the key (merged over the tiles, the same events; only complaints are
-- written differently, each ARF report as 'complaint' of its type). Its view cost the aggregator one more
-- GROUP BY over every insert for a table nothing in Cairn reads (docs/clickhouse.md#kpi-tables).
-- The view goes first, so no insert is left writing into a table being dropped. IF EXISTS: a re-run is a no-op.
DROP TABLE IF EXISTS events_ingest_to_kpi_email_glossary;

DROP TABLE IF EXISTS kpi_email_glossary;
