-- Ingest: shared secrets that authenticate bounce/complaint webhooks per workspace (only a SHA-256 hash is
-- kept), and receipts that make a retried webhook's side effects (suppression, soft-bounce count) idempotent.
CREATE TABLE IF NOT EXISTS webhook_secrets (
    id text PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    secret_hash text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
CREATE INDEX IF NOT EXISTS webhook_secrets_workspace_idx ON webhook_secrets (workspace_id);

CREATE TABLE IF NOT EXISTS webhook_receipts (
    event_id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    received_at timestamptz NOT NULL DEFAULT now()
);
