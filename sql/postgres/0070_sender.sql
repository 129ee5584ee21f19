-- Sender: one row per message the sender was asked for (a journey send request key, one test-send address,
-- one forward request). NOTE: the primary key is the exactly-once key; a row moves to 'attempting' in its own
-- committed write before the message is handed to SMTP, and a row found 'attempting' by anyone else is never
-- sent again: it becomes 'outcome_unknown' (counted as sending_failed, reason outcome_unknown).
CREATE TABLE IF NOT EXISTS sender_deliveries (
    delivery_key text PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('journey', 'test', 'forward')),
    workspace_id uuid NOT NULL,
    contact_id text NOT NULL,
    message_id uuid NOT NULL,
    -- the request as queued, so a soft-bounce retry or a replay rebuilds the message from it
    request jsonb NOT NULL,
    state text NOT NULL CHECK (state IN ('claimed', 'attempting', 'retry', 'delivered', 'bounced', 'blocked', 'failed', 'outcome_unknown')),
    claimed_by text,
    claimed_at timestamptz,
    attempts integer NOT NULL DEFAULT 0,
    attempted_at timestamptz,
    -- the events this row ends in (send, bounce, blocked, sending_failed ...), built once, produced until acknowledged
    outcome jsonb,
    events_emitted boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS sender_deliveries_open_idx ON sender_deliveries (state, attempted_at) WHERE state IN ('attempting', 'retry');
CREATE INDEX IF NOT EXISTS sender_deliveries_unemitted_idx ON sender_deliveries (updated_at) WHERE NOT events_emitted;
