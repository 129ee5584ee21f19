-- Issue 24, double opt-in (docs/pages-and-forms.md#double-opt-in): the sender sends each pending confirmation one
-- system email, keyed `confirm:<submission id>` in its delivery ledger (sender_deliveries, kind 'confirm').
ALTER TABLE sender_deliveries DROP CONSTRAINT IF EXISTS sender_deliveries_kind_check;
ALTER TABLE sender_deliveries ADD CONSTRAINT sender_deliveries_kind_check
    CHECK (kind IN ('journey', 'test', 'forward', 'direct', 'confirm'));

-- The sender's poller (services/sender/confirmation.poller.ts): email_taken_at is when a poller last handed the
-- confirmation to the send pipeline (another poller leaves it alone for a while); email_settled_at is set once its
-- ledger row went past 'claimed' (attempted, retried, delivered, or decided without SMTP), after which only the
-- ledger (retries, the stale-attempt sweep) looks at it. NOTE: the ledger, not these columns, keeps the email to one
-- SMTP attempt at a time and at most one delivery; these only keep the poll small and make it retake a claim a
-- dead sender left behind.
ALTER TABLE form_confirmations ADD COLUMN IF NOT EXISTS email_taken_at timestamptz;
ALTER TABLE form_confirmations ADD COLUMN IF NOT EXISTS email_settled_at timestamptz;
CREATE INDEX IF NOT EXISTS form_confirmations_email_due_idx ON form_confirmations (created_at)
    WHERE email_settled_at IS NULL AND confirmed_at IS NULL;
