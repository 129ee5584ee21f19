-- Issue 26 (part 2): quiet hours (docs/scheduler.md#quiet-hours). A workspace's daily window in the contact's time
-- zone (the workspace's when the contact has none) during which journeys send no email: {"start": "21:00",
-- "end": "08:00", "spread_minutes": 10}, written by the API (PATCH /v1/workspace, scope admin, validated there);
-- null, the default, is no window. A journey overrides it in its settings (quiet_hours: its own window, or null).
ALTER TABLE workspaces ADD COLUMN IF NOT EXISTS quiet_hours jsonb;
