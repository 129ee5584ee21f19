-- Ingest reloads the contacts whose following is Do Not Allow every few seconds (services/ingest/unfollowed-contacts.ts):
-- a partial index holds just them, so the reload reads what it returns, not the whole contacts table.
CREATE INDEX IF NOT EXISTS contacts_unfollowed_idx ON contacts (id) WHERE NOT allow_follow_email;
