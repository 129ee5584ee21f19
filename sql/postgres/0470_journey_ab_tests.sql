-- Issue 26 part 4: the A/B test tile (docs/scheduler.md#ab-test).
--
-- journey_ab_decisions: one row per (journey, iteration, A/B tile), inserted when the first contact reaches the
-- tile in the iteration (the test window starts then and ends at ends_at). NOTE: the decision is recorded exactly
-- once: it is an UPDATE ... WHERE decided_at IS NULL on this row, in the transaction that also writes its milestone
-- and its ab_test_decided outbox row, so two scheduler replicas or a restart decide once. No contact id.
CREATE TABLE IF NOT EXISTS journey_ab_decisions (
    journey_id uuid NOT NULL REFERENCES journeys (id) ON DELETE CASCADE,
    iteration integer NOT NULL,
    tile_id text NOT NULL,
    workspace_id uuid NOT NULL,
    started_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    decided_at timestamptz,
    winner smallint,
    reason text CHECK (reason IN ('significant', 'fallback')),
    -- the counts and statistics the decision was made on (per variant sent and successes, z, p-values, confidence)
    stats jsonb,
    PRIMARY KEY (journey_id, iteration, tile_id)
);
-- The scheduler's tick looks for open tests.
CREATE INDEX IF NOT EXISTS journey_ab_decisions_open_idx ON journey_ab_decisions (journey_id) WHERE decided_at IS NULL;

-- journey_ab_sends: which variant each contact the tile sent to got, in the test (in_test) or as the winner
-- afterwards; written in the step's transaction with the send request. NOTE: the primary key holds one send per
-- (journey, iteration, tile, contact), as the send request's key does. Holds a contact id: erasure deletes the
-- contact's rows (services/api/contact-erasure.ts).
CREATE TABLE IF NOT EXISTS journey_ab_sends (
    journey_id uuid NOT NULL,
    iteration integer NOT NULL,
    tile_id text NOT NULL,
    contact_id uuid NOT NULL,
    variant smallint NOT NULL,
    in_test boolean NOT NULL,
    PRIMARY KEY (journey_id, iteration, tile_id, contact_id)
);
CREATE INDEX IF NOT EXISTS journey_ab_sends_contact_idx ON journey_ab_sends (contact_id);

-- The decision's event leaves through the outbox like every other side effect of the engine (kind ab_decided);
-- lead_scores is the lead-scoring kind of migration 0450, kept when this one runs after it.
ALTER TABLE journey_outbox DROP CONSTRAINT IF EXISTS journey_outbox_kind_check;
ALTER TABLE journey_outbox ADD CONSTRAINT journey_outbox_kind_check
    CHECK (kind IN ('send', 'events', 'webhook', 'leads', 'lead_scores', 'ab_decided'));
