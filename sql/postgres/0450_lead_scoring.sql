-- Issue 25 parts 3 and 4: lead scoring models (docs/lead-scoring.md). A model is a draft definition (rules, decay
-- half-life, sales-ready threshold) that goes live as a frozen version, like a form; the scheduler's engagement
-- consumer scores contacts under each live version as their events arrive.
CREATE TABLE IF NOT EXISTS scoring_models (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name text NOT NULL,
    -- lib/domain/scoring/scoring-model.ts ScoringDefinition
    definition jsonb NOT NULL,
    status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'live', 'stopped')),
    live_version integer,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS scoring_models_workspace_idx ON scoring_models (workspace_id, id);
-- The engagement consumer finds the live models of a batch's workspaces.
CREATE INDEX IF NOT EXISTS scoring_models_live_idx ON scoring_models (workspace_id) WHERE status = 'live';

CREATE TABLE IF NOT EXISTS scoring_model_versions (
    model_id uuid NOT NULL REFERENCES scoring_models (id) ON DELETE CASCADE,
    version integer NOT NULL,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    definition jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model_id, version)
);

-- A contact's score under one model version, anchored: `score` is its value at `anchor_time`, so the score at any
-- later time t is score * 0.5 ^ ((t - anchor_time) / half-life) exactly. crossed_at: when it first reached the
-- version's threshold (lead_score_crossed.v1 was written to the outbox in the same transaction).
CREATE TABLE IF NOT EXISTS lead_scores (
    model_id uuid NOT NULL REFERENCES scoring_models (id) ON DELETE CASCADE,
    version integer NOT NULL,
    contact_id uuid NOT NULL,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    score double precision NOT NULL DEFAULT 0,
    anchor_time timestamptz NOT NULL,
    first_scored_at timestamptz NOT NULL,
    crossed_at timestamptz,
    PRIMARY KEY (model_id, version, contact_id)
);
CREATE INDEX IF NOT EXISTS lead_scores_contact_idx ON lead_scores (contact_id);
CREATE INDEX IF NOT EXISTS lead_scores_workspace_idx ON lead_scores (workspace_id, model_id);

-- NOTE: the exactly-once ledger. One row per (model version, event, rule) that gave points; an attribute rule's
-- row has entry_key 'attribute:<contact id>' (applied once per contact, when it is first scored). The scheduler
-- inserts under the lock of the contact's lead_scores row and adds to the score only what it inserted, so a Kafka
-- redelivery or a replay after a crash adds nothing. score_after: the score just after this entry.
CREATE TABLE IF NOT EXISTS lead_score_entries (
    model_id uuid NOT NULL REFERENCES scoring_models (id) ON DELETE CASCADE,
    version integer NOT NULL,
    entry_key text NOT NULL,
    rule_index integer NOT NULL,
    contact_id uuid NOT NULL,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    event_type text NOT NULL,
    points double precision NOT NULL,
    event_time timestamptz NOT NULL,
    score_after double precision NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model_id, version, entry_key, rule_index)
);
CREATE INDEX IF NOT EXISTS lead_score_entries_contact_idx ON lead_score_entries (model_id, version, contact_id, rule_index);
CREATE INDEX IF NOT EXISTS lead_score_entries_erasure_idx ON lead_score_entries (contact_id);

-- The crossing events go out through the scheduler's outbox (kind lead_scores).
ALTER TABLE journey_outbox DROP CONSTRAINT IF EXISTS journey_outbox_kind_check;
ALTER TABLE journey_outbox ADD CONSTRAINT journey_outbox_kind_check CHECK (kind IN ('send', 'events', 'webhook', 'leads', 'lead_scores'));
