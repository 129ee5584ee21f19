-- Issue 26 part 5: a journey's holdout (docs/scheduler.md#holdout). held_out is set in entry's transaction for the
-- contacts whose keyed hash of (journey, contact) falls below the journey's holdout share (lib/domain/journeys/
-- holdout.ts); the email tile sends them nothing and the holdout insights compare the groups' goal conversion.
-- No new contact id: the column lives on journey_contacts, which erasure already covers.
ALTER TABLE journey_contacts ADD COLUMN IF NOT EXISTS held_out boolean NOT NULL DEFAULT false;
