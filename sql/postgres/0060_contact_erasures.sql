-- The record that a contact was erased (POST /v1/contacts/{id}/erasure): which contact, who asked, when each
-- store was cleared and how many raw events went. No personal data: the contact row itself is gone.
CREATE TABLE IF NOT EXISTS contact_erasures (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    contact_id uuid NOT NULL,
    requested_by_key_id text NOT NULL,
    requested_at timestamptz NOT NULL DEFAULT now(),
    postgres_erased_at timestamptz,
    clickhouse_erased_at timestamptz,
    clickhouse_raw_events bigint,
    UNIQUE (workspace_id, contact_id)
);
