-- Do Not Allow following on accounts and leads (docs/engagement.md#followed-messages-and-do-not-allow): a contact is
-- not followed when its own record, its account or one of its leads says Do Not Allow. Following stays the default.
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS allow_follow_email boolean NOT NULL DEFAULT true;
ALTER TABLE leads ADD COLUMN IF NOT EXISTS allow_follow_email boolean NOT NULL DEFAULT true;
-- Ingest reloads who may not be followed every few seconds and the sender asks per batch: partial indexes hold just
-- the Do Not Allow rows, and contacts are found from their account by account_id.
CREATE INDEX IF NOT EXISTS accounts_unfollowed_idx ON accounts (id) WHERE NOT allow_follow_email;
CREATE INDEX IF NOT EXISTS leads_unfollowed_idx ON leads (contact_id) WHERE NOT allow_follow_email;
CREATE INDEX IF NOT EXISTS contacts_account_idx ON contacts (account_id) WHERE account_id IS NOT NULL;
