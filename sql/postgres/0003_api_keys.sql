-- API keys: shown once at creation, stored only as a SHA-256 hash of the secret part. The key id prefix lets
-- a lookup use the primary key instead of scanning hashes.
CREATE TABLE IF NOT EXISTS api_keys (
    id text PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name text NOT NULL DEFAULT '',
    secret_hash text NOT NULL,
    scopes text[] NOT NULL CHECK (scopes <@ ARRAY['read', 'write', 'send', 'admin']::text[]),
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX IF NOT EXISTS api_keys_workspace_idx ON api_keys (workspace_id);
