-- Issue 26 part 6: a journey's goal (docs/scheduler.md#goal). One row per (journey, iteration, contact) that reached
-- the goal while on the journey: tile_id is the tile the contact was at, exited whether the goal's exit criterion
-- moved it out (journey_contacts.state 'exited'). NOTE: the primary key makes a second goal event and a Kafka
-- redelivery add nothing (the scheduler inserts ON CONFLICT DO NOTHING and emits goal_reached only for rows it
-- inserted). Holds a contact id: erasure deletes the contact's rows (services/api/contact-erasure.ts).
CREATE TABLE IF NOT EXISTS journey_goals (
    journey_id uuid NOT NULL,
    iteration integer NOT NULL,
    contact_id uuid NOT NULL,
    tile_id text NOT NULL,
    goal_event text NOT NULL,
    exited boolean NOT NULL DEFAULT false,
    reached_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (journey_id, iteration, contact_id)
);
CREATE INDEX IF NOT EXISTS journey_goals_contact_idx ON journey_goals (contact_id);

-- Live journeys with a goal are found per batch of events by workspace.
CREATE INDEX IF NOT EXISTS journeys_live_goal_idx ON journeys (workspace_id)
    WHERE status = 'live' AND settings ? 'goal' AND settings -> 'goal' <> 'null'::jsonb;
