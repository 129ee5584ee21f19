-- Issue 22 (part 5): the circuit breaker per sending domain (docs/scheduler.md#circuit-breaker). The journey engine
-- pauses a sending domain whose hard-bounce or complaint rate, summed over every journey sending From it, passes the
-- breaker's threshold; the sender holds every message From a paused domain until POST /v1/sending-domains/{id}/resume.
ALTER TABLE sending_domains ADD COLUMN IF NOT EXISTS paused_at timestamptz;
ALTER TABLE sending_domains ADD COLUMN IF NOT EXISTS paused_reason text;
-- the window's counts and rates that tripped it: {sends, hard_bounces, complaints, hard_bounce_rate, complaint_rate}
ALTER TABLE sending_domains ADD COLUMN IF NOT EXISTS pause_rates jsonb;

-- Counts per sending domain and hour, written by the scheduler's engagement consumer in the transaction (and from the
-- inserted rows) that feed journey_breaker_counts, so a redelivered event counts nothing. Counts only, no contact
-- ids: nothing here for erasure. A resume deletes the domain's rows: the window starts again.
CREATE TABLE IF NOT EXISTS sending_domain_breaker_counts (
    domain_id uuid NOT NULL REFERENCES sending_domains (id) ON DELETE CASCADE,
    hour timestamptz NOT NULL,
    sends integer NOT NULL DEFAULT 0,
    hard_bounces integer NOT NULL DEFAULT 0,
    complaints integer NOT NULL DEFAULT 0,
    PRIMARY KEY (domain_id, hour)
);

-- A paused sending domain is an alert of its workspace, like a paused journey: it names no one-to-one message.
ALTER TABLE engagement_alerts DROP CONSTRAINT IF EXISTS engagement_alerts_kind_check;
ALTER TABLE engagement_alerts ADD CONSTRAINT engagement_alerts_kind_check
    CHECK (kind IN ('first_open', 'reminder', 'journey_paused', 'sending_domain_paused'));
