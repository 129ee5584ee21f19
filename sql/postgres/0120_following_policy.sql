-- Ingest reloads who may not be followed every few seconds (services/ingest/following-policy.ts): partial indexes
-- hold just those rows, so the reload reads what it returns, not the whole contacts table.
CREATE INDEX IF NOT EXISTS contacts_unfollowed_idx ON contacts (id) WHERE NOT allow_follow_email;
CREATE INDEX IF NOT EXISTS engagement_settings_unfollowed_idx ON engagement_settings (workspace_id) WHERE NOT following_enabled;
