-- Issue 23 item 6: a workspace's own journey and email templates (docs/api.md#templates). The built-in templates
-- live in code (services/api/templates), never here. `definition` is a copy of a journey's graph and settings or
-- of an email's draft, never its state, contacts or history; `source_id` names the journey or email it was saved
-- from (no foreign key: the template outlives its source). No contact id is held: nothing here for erasure.
CREATE TABLE IF NOT EXISTS templates (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('journey', 'email')),
    name text NOT NULL,
    description text NOT NULL DEFAULT '',
    definition jsonb NOT NULL,
    source_id uuid,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS templates_workspace_idx ON templates (workspace_id, id);
