-- Outbox rows the relay could not read (docs/messages.md#unreadable-messages): moved here in the relay's
-- transaction, with why, so one bad row does not stop the relay and nothing is lost. `id` is the outbox row's id;
-- workspace_id is what the payload named, if anything (text: an unreadable payload may hold anything there).
-- Payloads name contacts: contact erasure deletes the dead letters that mention the contact
-- (services/api/contact-erasure.ts).
CREATE TABLE IF NOT EXISTS journey_outbox_dead_letters (
    id bigint PRIMARY KEY,
    kind text NOT NULL,
    once_key text,
    workspace_id text,
    payload jsonb NOT NULL,
    reason text NOT NULL,
    dead_at timestamptz NOT NULL DEFAULT now()
);
