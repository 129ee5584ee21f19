-- Erasure reaches every table that holds a contact id, and nothing is recorded for an erased contact afterwards
-- (issue 20, defect 11; services/api/contact-erasure.ts lists what erasure does to each table).

-- The second pass: PostgreSQL and ClickHouse are swept again this long after an erasure, for what was in flight
-- when it ran (ingest's reload delay, Kafka, a send already claimed). NULL once done.
ALTER TABLE contact_erasures ADD COLUMN IF NOT EXISTS resweep_at timestamptz;
CREATE INDEX IF NOT EXISTS contact_erasures_resweep_idx ON contact_erasures (resweep_at) WHERE resweep_at IS NOT NULL;
-- The sender and the scheduler ask "is this contact erased?" by id alone (a Kafka event or a queued job names
-- the contact; the workspace comes with it but the question does not need it).
CREATE INDEX IF NOT EXISTS contact_erasures_contact_idx ON contact_erasures (contact_id);

-- The sender's ledger is the largest table that holds contact ids (a row per message ever sent): without this
-- index each erasure would read all of it. One more index entry per ledger write.
CREATE INDEX IF NOT EXISTS sender_deliveries_contact_idx ON sender_deliveries (contact_id);
