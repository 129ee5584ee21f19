-- Issue 24: triggers that wait for a form submission or a page visit (docs/scheduler.md#inbound-journeys). One row
-- per (journey, iteration, trigger tile, contact): the contact submitted the trigger's form or visited its page
-- while it waited at that trigger. NOTE: the primary key makes a second submission and a Kafka redelivery add
-- nothing (the scheduler inserts ON CONFLICT DO NOTHING). Holds a contact id: erasure deletes the contact's rows
-- (services/api/contact-erasure.ts).
CREATE TABLE IF NOT EXISTS journey_web_engagements (
    journey_id uuid NOT NULL,
    iteration integer NOT NULL,
    trigger_tile_id text NOT NULL,
    contact_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (journey_id, iteration, trigger_tile_id, contact_id)
);
CREATE INDEX IF NOT EXISTS journey_web_engagements_contact_idx ON journey_web_engagements (contact_id);

-- Live journeys that start with a form tile or wait for a form or page are found by their graph (jsonb @>) when a
-- submission or visit arrives.
CREATE INDEX IF NOT EXISTS journeys_live_graph_idx ON journeys USING gin ((graph -> 'tiles') jsonb_path_ops)
    WHERE status = 'live';

-- A create-lead tile's leads leave as lead_generated events through the outbox (docs/scheduler.md#tiles): one
-- `leads` row per step that created leads.
ALTER TABLE journey_outbox DROP CONSTRAINT IF EXISTS journey_outbox_kind_check;
ALTER TABLE journey_outbox ADD CONSTRAINT journey_outbox_kind_check CHECK (kind IN ('send', 'events', 'webhook', 'leads'));
