-- Resources owned by the marketing ops API (services/api): content settings, segments, journeys and what
-- journeys create (tasks, leads). The scheduler reads journeys, segment_members and content_settings.

-- Content settings: the footer data every marketing email needs (seed 000 "required content").
CREATE TABLE IF NOT EXISTS content_settings (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name text NOT NULL,
    subscription_center_url text NOT NULL,
    forward_url text NOT NULL DEFAULT '',
    postal_address text NOT NULL,
    social_links jsonb NOT NULL DEFAULT '{}'::jsonb,
    is_default boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS content_settings_workspace_idx ON content_settings (workspace_id, id);
-- One default per workspace, enforced by the database rather than by the API's good behaviour.
CREATE UNIQUE INDEX IF NOT EXISTS content_settings_one_default_idx ON content_settings (workspace_id) WHERE is_default;

-- The content settings and followed attachments a version was frozen with.
ALTER TABLE email_versions ADD COLUMN IF NOT EXISTS content_settings_id uuid;
ALTER TABLE email_versions ADD COLUMN IF NOT EXISTS attachments jsonb NOT NULL DEFAULT '[]'::jsonb;

-- Segments: static (explicit members) or dynamic (definition = filter language, docs/api.md).
CREATE TABLE IF NOT EXISTS segments (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('static', 'dynamic')),
    definition jsonb,
    member_count integer NOT NULL DEFAULT 0,
    refreshed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS segments_workspace_idx ON segments (workspace_id, id);

-- added_at lets live journeys pick up members that arrived after their last pass (new members flow in).
CREATE TABLE IF NOT EXISTS segment_members (
    segment_id uuid NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
    contact_id uuid NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    added_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (segment_id, contact_id)
);
CREATE INDEX IF NOT EXISTS segment_members_added_idx ON segment_members (segment_id, added_at);

-- Journeys: graph and settings are JSON validated by lib/journeys; status moves draft -> live -> stopped/completed.
CREATE TABLE IF NOT EXISTS journeys (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name text NOT NULL,
    status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'live', 'stopped', 'completed')),
    graph jsonb NOT NULL DEFAULT '{"tiles": []}'::jsonb,
    settings jsonb NOT NULL DEFAULT '{}'::jsonb,
    went_live_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS journeys_workspace_idx ON journeys (workspace_id, id);

CREATE TABLE IF NOT EXISTS journey_milestones (
    id bigserial PRIMARY KEY,
    journey_id uuid NOT NULL REFERENCES journeys (id) ON DELETE CASCADE,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    status text NOT NULL,
    note text NOT NULL DEFAULT '',
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS journey_milestones_journey_idx ON journey_milestones (journey_id, id);

-- Written by the journey engine's activity tiles; read by the API.
CREATE TABLE IF NOT EXISTS tasks (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    contact_id uuid REFERENCES contacts (id) ON DELETE SET NULL,
    journey_id uuid REFERENCES journeys (id) ON DELETE SET NULL,
    tile_id text NOT NULL DEFAULT '',
    kind text NOT NULL DEFAULT 'task' CHECK (kind IN ('task', 'phone_call', 'appointment')),
    subject text NOT NULL,
    due_at timestamptz,
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS tasks_workspace_idx ON tasks (workspace_id, id);

-- Written by create-lead tiles; (journey, tile, contact) at most once so replays create no duplicate lead.
CREATE TABLE IF NOT EXISTS leads (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    contact_id uuid REFERENCES contacts (id) ON DELETE SET NULL,
    account_id uuid REFERENCES accounts (id) ON DELETE SET NULL,
    journey_id uuid REFERENCES journeys (id) ON DELETE SET NULL,
    tile_id text NOT NULL DEFAULT '',
    title text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS leads_workspace_idx ON leads (workspace_id, id);
CREATE UNIQUE INDEX IF NOT EXISTS leads_once_idx ON leads (journey_id, tile_id, contact_id) WHERE journey_id IS NOT NULL;
