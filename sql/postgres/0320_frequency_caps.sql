-- Issue 26 (part 1): the frequency cap (docs/scheduler.md#frequency-cap). A workspace caps the commercial emails
-- a contact gets across all its journeys: rules of at most `max_sends` per `window_hours` rolling hours, written by
-- the API (PATCH /v1/workspace, scope admin, validated there); '[]' caps nothing.
ALTER TABLE workspaces ADD COLUMN IF NOT EXISTS frequency_caps jsonb NOT NULL DEFAULT '[]'::jsonb;

-- One row per (workspace, contact) that an email tile of a capped workspace considered: the times of the commercial
-- sends inside the longest window. The journey engine locks the row (INSERT ... ON CONFLICT DO UPDATE) in the step's
-- transaction that writes the send to the outbox, so two steps (two journeys, two replicas) sending to the same
-- contact take slots one after the other and never both the last one. It holds a contact id: erasure deletes it
-- (services/api/contact-erasure.ts).
CREATE TABLE IF NOT EXISTS frequency_cap_counters (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    contact_id uuid NOT NULL,
    sent_at timestamptz[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (workspace_id, contact_id)
);
