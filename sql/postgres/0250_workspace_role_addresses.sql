-- Issue 23 (item 9): role mailboxes (info@, sales@, support@, …) are common B2B recipients, so blocking them is the
-- workspace's choice, off by default (docs/sender.md#eligibility-before-every-message). The API writes it
-- (PATCH /v1/workspace, scope admin); the sender reads it per batch and blocks them as `role_address`.
-- A setting, no contact data: nothing here for erasure.
ALTER TABLE workspaces ADD COLUMN IF NOT EXISTS block_role_addresses boolean NOT NULL DEFAULT false;
