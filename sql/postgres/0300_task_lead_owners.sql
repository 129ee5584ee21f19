-- Issue 23 item 4: tasks and leads get an owner, a user of the workspace (docs/api.md#users), and a status the API
-- changes along the allowed transitions (docs/api.md#tasks-and-leads). A user holds no contact id, so erasure does
-- not reach it. Deleting a user leaves its tasks and leads unowned; the journey engine resolves an activity or
-- create-lead tile's owner inside the workspace when it inserts, so a deleted owner makes an unowned row rather
-- than a failed step.
CREATE TABLE IF NOT EXISTS users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    email text NOT NULL,
    name text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (workspace_id, email)
);
CREATE INDEX IF NOT EXISTS users_workspace_idx ON users (workspace_id, id);

ALTER TABLE tasks ADD COLUMN IF NOT EXISTS owner_id uuid REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX IF NOT EXISTS tasks_owner_idx ON tasks (workspace_id, owner_id) WHERE owner_id IS NOT NULL;

ALTER TABLE leads ADD COLUMN IF NOT EXISTS owner_id uuid REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE leads ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'new'
    CHECK (status IN ('new', 'qualified', 'disqualified', 'converted'));
ALTER TABLE leads ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX IF NOT EXISTS leads_owner_idx ON leads (workspace_id, owner_id) WHERE owner_id IS NOT NULL;
-- The template ranking looks up the leads of a contact created after a message (docs/engagement.md#template-recommendations).
CREATE INDEX IF NOT EXISTS leads_contact_created_idx ON leads (workspace_id, contact_id, created_at);
