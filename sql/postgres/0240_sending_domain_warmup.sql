-- Issue 22 (part 5): an optional warm-up schedule per sending domain (docs/sender.md#warm-up): daily caps that grow,
-- day 1 the first cap from warmup_started_on (a UTC date), past the last cap no limit; null: no warm-up. The API
-- writes the schedule (docs/api.md#sending-domains); the sender takes one from the day's count before each attempt.
ALTER TABLE sending_domains ADD COLUMN IF NOT EXISTS warmup int[]
    CHECK (warmup IS NULL OR cardinality(warmup) BETWEEN 1 AND 60);
ALTER TABLE sending_domains ADD COLUMN IF NOT EXISTS warmup_started_on date;

-- Messages taken from a warm-up domain's cap per UTC day. Counts only, no contact ids: nothing here for erasure.
CREATE TABLE IF NOT EXISTS sending_domain_daily_counts (
    domain_id uuid NOT NULL REFERENCES sending_domains (id) ON DELETE CASCADE,
    day date NOT NULL,
    sent int NOT NULL CHECK (sent >= 0),
    PRIMARY KEY (domain_id, day)
);
