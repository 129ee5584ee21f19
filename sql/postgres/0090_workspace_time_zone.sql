-- Insights days are the workspace's time zone (issue 14, item 11); UTC until a workspace sets one.
-- The API validates the IANA name (Intl) before writing it.
ALTER TABLE workspaces ADD COLUMN IF NOT EXISTS time_zone text NOT NULL DEFAULT 'UTC';
