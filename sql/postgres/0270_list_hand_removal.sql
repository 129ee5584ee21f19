-- Issue 23 item 1: a journey blocks a contact who unsubscribed from its list or from a list its segment tile targets,
-- but not a member an operator removed by hand (DELETE /v1/lists/{id}/members/{contactId}): such a contact stays
-- on journeys already in flight (docs/scheduler.md#blocking). The membership row records which it was.
-- false (the default) is the contact's own act (one-click, subscription center, mailto): rows that left before this
-- column existed keep blocking, as they did. Re-subscribing resets it. No new contact id: erasure already deletes
-- the list_memberships rows.
ALTER TABLE list_memberships ADD COLUMN IF NOT EXISTS removed_by_hand boolean NOT NULL DEFAULT false;
