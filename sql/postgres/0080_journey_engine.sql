-- Journey engine state (services/scheduler). PostgreSQL is the source of truth: Redis only carries work
-- notices (BullMQ jobs) that the scheduler can rebuild from these tables at any time.

-- One row per journey the engine has seen: how far entry has read the segments' new members.
CREATE TABLE IF NOT EXISTS journey_runs (
    journey_id uuid PRIMARY KEY REFERENCES journeys (id) ON DELETE CASCADE,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    -- per iteration: segment members added at or before this instant have been offered entry
    entered_through jsonb NOT NULL DEFAULT '{}'::jsonb,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Where each contact is, per journey and iteration. The primary key is the "enters at most once per
-- iteration" rule. state: 'at' (to be processed by tile_id), 'waiting' (trigger or wait tile until due_at or
-- an engagement), 'done' (reached an end tile), 'blocked', 'failed'.
CREATE TABLE IF NOT EXISTS journey_contacts (
    journey_id uuid NOT NULL,
    iteration integer NOT NULL,
    contact_id uuid NOT NULL,
    account_id uuid,
    tile_id text NOT NULL,
    state text NOT NULL,
    due_at timestamptz,
    PRIMARY KEY (journey_id, iteration, contact_id)
);
-- The step queries: "the next batch at this tile in this state" and "waiting here and due".
CREATE INDEX IF NOT EXISTS journey_contacts_work_idx ON journey_contacts (journey_id, iteration, tile_id, state, due_at);
-- Account targeting: a trigger moves every waiting contact of the account.
CREATE INDEX IF NOT EXISTS journey_contacts_account_idx ON journey_contacts (journey_id, iteration, account_id) WHERE account_id IS NOT NULL;

-- Engagement with a journey's email tiles, written by the scheduler's Kafka consumer (human events only).
-- kind: delivered (send), opened, clicked, forwarded, hard_bounced; link_id for clicks.
CREATE TABLE IF NOT EXISTS journey_engagements (
    journey_id uuid NOT NULL,
    iteration integer NOT NULL,
    email_tile_id text NOT NULL,
    contact_id uuid NOT NULL,
    account_id uuid,
    kind text NOT NULL,
    link_id text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (journey_id, iteration, email_tile_id, contact_id, kind, link_id)
);
-- The scheduler's safety sweep re-wakes triggers from recent engagements.
CREATE INDEX IF NOT EXISTS journey_engagements_recent_idx ON journey_engagements (created_at);
CREATE INDEX IF NOT EXISTS journey_engagements_account_idx ON journey_engagements (journey_id, iteration, email_tile_id, account_id) WHERE account_id IS NOT NULL;

-- Transactional outbox: side effects that leave PostgreSQL (send batches, tile events, webhooks) are written
-- here in the same transaction as the state move, then relayed and deleted.
CREATE TABLE IF NOT EXISTS journey_outbox (
    id bigserial PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('send', 'events', 'webhook')),
    -- webhooks: the journey:tile:iteration:(contact|account) key, so an account's webhook is written once
    once_key text UNIQUE,
    payload jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Webhooks that failed every retry.
CREATE TABLE IF NOT EXISTS journey_webhook_dead_letters (
    once_key text PRIMARY KEY,
    workspace_id uuid NOT NULL,
    url text NOT NULL,
    attempts integer NOT NULL,
    last_error text NOT NULL,
    payload jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Tasks and leads made by tiles carry their journey:tile:iteration:(contact|account) key; unique, so a
-- replayed step creates nothing twice. Leads are per iteration now (recurring journeys), replacing the
-- (journey, tile, contact) index.
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS once_key text;
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS account_id uuid REFERENCES accounts (id) ON DELETE SET NULL;
CREATE UNIQUE INDEX IF NOT EXISTS tasks_once_key_idx ON tasks (once_key);
ALTER TABLE leads ADD COLUMN IF NOT EXISTS once_key text;
CREATE UNIQUE INDEX IF NOT EXISTS leads_once_key_idx ON leads (once_key);
DROP INDEX IF EXISTS leads_once_idx;
