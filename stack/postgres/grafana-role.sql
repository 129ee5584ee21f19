-- Grafana's PostgreSQL role, cairn_grafana (docs/security.md#clickhouse-users-and-deployment-secrets): the segments dashboard
-- (dashboards/segments.json) reads segment membership where it is counted, and nothing else. Run by the
-- `postgres-grafana-role` service of docker-compose.yml after every `migrate`, as the database owner:
--   psql -v ON_ERROR_STOP=1 -v password="$CAIRN_POSTGRES_GRAFANA_PASSWORD" -f stack/postgres/grafana-role.sql
-- Running it again changes nothing but the password; a privilege taken off this list is revoked on the next run.
SELECT 'CREATE ROLE cairn_grafana' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cairn_grafana') \gexec
ALTER ROLE cairn_grafana WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS PASSWORD :'password';
-- The data source runs whatever SQL a dashboard editor writes: read-only sessions, bounded statements.
ALTER ROLE cairn_grafana SET default_transaction_read_only = on;
ALTER ROLE cairn_grafana SET statement_timeout = '30s';
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM cairn_grafana;
GRANT USAGE ON SCHEMA public TO cairn_grafana;
-- No contact id (segment_members, contacts stay out) and no secret (workspaces.webhook_secret): columns, not tables.
GRANT SELECT ON segment_member_days TO cairn_grafana;
GRANT SELECT (id, name, time_zone) ON workspaces TO cairn_grafana;
GRANT SELECT (id, workspace_id, name) ON segments TO cairn_grafana;
GRANT SELECT (id, workspace_id, name, status, graph, settings) ON journeys TO cairn_grafana;
