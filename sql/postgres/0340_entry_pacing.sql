-- Issue 26 (part 3): entry pacing (docs/scheduler.md#entry-pacing). A journey whose settings.entry_pacing is set
-- admits at most max_contacts contacts per hour or day of the workspace's time zone; the rest wait at their segment
-- tile in the order they came.

-- When a contact started waiting for admission (null for every other row): the queue's order is
-- (queued_at, contact_id), so who came first is admitted first. Admission sets it back to null.
ALTER TABLE journey_contacts ADD COLUMN IF NOT EXISTS queued_at timestamptz;
CREATE INDEX IF NOT EXISTS journey_contacts_queue_idx ON journey_contacts (journey_id, iteration, queued_at, contact_id)
    WHERE queued_at IS NOT NULL;

-- One row per paced journey: the period being counted and how many contacts it admitted. The scheduler locks the
-- row (INSERT ... ON CONFLICT DO UPDATE) in the transaction that admits, so two replicas admit one after the other
-- and never more than max_contacts in a period. No contact id: erasure has nothing to delete here.
CREATE TABLE IF NOT EXISTS journey_pacing (
    journey_id uuid PRIMARY KEY REFERENCES journeys (id) ON DELETE CASCADE,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    period_start timestamptz,
    admitted integer NOT NULL DEFAULT 0
);
