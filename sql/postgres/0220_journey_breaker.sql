-- The circuit breaker (docs/scheduler.md#circuit-breaker): a live journey whose hard-bounce or complaint rate
-- over a sliding window passes its threshold is paused by the journey engine. A paused journey moves no
-- contact and the sender holds its queued send batches until it is resumed (POST /v1/journeys/{id}/resume).
ALTER TABLE journeys DROP CONSTRAINT IF EXISTS journeys_status_check;
ALTER TABLE journeys ADD CONSTRAINT journeys_status_check CHECK (status IN ('draft', 'live', 'paused', 'stopped', 'completed'));
ALTER TABLE journeys ADD COLUMN IF NOT EXISTS paused_at timestamptz;
ALTER TABLE journeys ADD COLUMN IF NOT EXISTS paused_reason text;
-- the window's counts and rates that tripped the breaker: {sends, hard_bounces, complaints, hard_bounce_rate, complaint_rate}
ALTER TABLE journeys ADD COLUMN IF NOT EXISTS pause_rates jsonb;

-- Counts per journey and hour, written by the scheduler's engagement consumer in the transaction that records
-- the engagements (only rows it inserted count, so a redelivered event counts once). No contact ids: nothing
-- here for erasure. A resume deletes the journey's rows: the window starts again.
CREATE TABLE IF NOT EXISTS journey_breaker_counts (
    journey_id uuid NOT NULL REFERENCES journeys (id) ON DELETE CASCADE,
    hour timestamptz NOT NULL,
    sends integer NOT NULL DEFAULT 0,
    hard_bounces integer NOT NULL DEFAULT 0,
    complaints integer NOT NULL DEFAULT 0,
    PRIMARY KEY (journey_id, hour)
);

-- A paused journey is an alert of its workspace (posted to the alert webhook like the others): such an alert
-- names no one-to-one message.
ALTER TABLE engagement_alerts ALTER COLUMN message_id DROP NOT NULL;
ALTER TABLE engagement_alerts DROP CONSTRAINT IF EXISTS engagement_alerts_kind_check;
ALTER TABLE engagement_alerts ADD CONSTRAINT engagement_alerts_kind_check CHECK (kind IN ('first_open', 'reminder', 'journey_paused'));
