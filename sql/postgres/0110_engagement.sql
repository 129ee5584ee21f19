-- Email engagement (issue 16, seed 001): followed one-to-one messages, replies, alerts, reminders, scheduled
-- sends, templates. Owned by the API (writes) and services/engagement (replies, alerts, due work); the sender
-- reads messages' attachments. docs/engagement.md explains each table.

-- One-to-one content lives in the existing emails / email_versions / email_links tables, because those are what
-- ingest's pixel, click and attachment routes trust (signed token -> email version of the token's workspace ->
-- recorded destination). channel keeps them out of the marketing email list.
ALTER TABLE emails ADD COLUMN IF NOT EXISTS channel text NOT NULL DEFAULT 'marketing';

-- The sender's ledger takes one more kind of item: a one-to-one message to one recipient (direct:<message>:<n>).
ALTER TABLE sender_deliveries DROP CONSTRAINT IF EXISTS sender_deliveries_kind_check;
ALTER TABLE sender_deliveries ADD CONSTRAINT sender_deliveries_kind_check CHECK (kind IN ('journey', 'test', 'forward', 'direct'));

-- Workspace switches: following on/off for every message sent from now on, and where alerts are posted.
CREATE TABLE IF NOT EXISTS engagement_settings (
    workspace_id uuid PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    following_enabled boolean NOT NULL DEFAULT true,
    alert_webhook_url text,
    -- HMAC-SHA256 key of the alert webhook's signature; written by the workspace, never read back by the API
    alert_webhook_secret text,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Email templates for one-to-one messages. id is also the id of the template's emails row (channel one_to_one),
-- so every message made from a template is a version of that email and its events carry the template's id:
-- ClickHouse ranks templates by email_id without a join.
CREATE TABLE IF NOT EXISTS engagement_templates (
    id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name text NOT NULL,
    subject text NOT NULL,
    body_html text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS engagement_templates_workspace_idx ON engagement_templates (workspace_id, id);

-- Files uploaded for messages. Followed: served by services/engagement at /files/<id>/<download_token> behind
-- ingest's signed /a/ link; unfollowed: attached to the MIME by the sender.
CREATE TABLE IF NOT EXISTS engagement_attachments (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    filename text NOT NULL,
    content_type text NOT NULL,
    size integer NOT NULL,
    content bytea NOT NULL,
    -- 32 random bytes, base64url: the capability in the file URL, compared in constant time
    download_token text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS engagement_attachments_workspace_idx ON engagement_attachments (workspace_id, id);

-- One row per one-to-one message (one API call): its frozen version, whether it is followed, and its schedule.
-- NOTE: state moves scheduled -> queued exactly once (an UPDATE ... WHERE state = 'scheduled'), and only the
-- transaction that moved it hands the message to the sender; cancel moves scheduled -> cancelled the same way.
CREATE TABLE IF NOT EXISTS engagement_messages (
    id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    email_id uuid NOT NULL,
    email_version integer NOT NULL,
    template_id uuid,
    regarding_type text CHECK (regarding_type IN ('contact', 'account', 'lead')),
    regarding_id uuid,
    owner text NOT NULL DEFAULT '',
    sent_by_key_id text,
    subject text NOT NULL,
    followed boolean NOT NULL,
    state text NOT NULL CHECK (state IN ('scheduled', 'queued', 'cancelled')),
    send_at timestamptz NOT NULL,
    queued_at timestamptz,
    first_opened_at timestamptz,
    first_replied_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (email_id, email_version),
    FOREIGN KEY (email_id, email_version) REFERENCES email_versions (email_id, version) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS engagement_messages_workspace_idx ON engagement_messages (workspace_id, id);
CREATE INDEX IF NOT EXISTS engagement_messages_due_idx ON engagement_messages (send_at) WHERE state = 'scheduled';

-- Each recipient gets a copy of its own: its own message_id (tokens, Message-ID, replies' In-Reply-To).
CREATE TABLE IF NOT EXISTS engagement_recipients (
    message_id uuid NOT NULL REFERENCES engagement_messages (id) ON DELETE CASCADE,
    idx smallint NOT NULL,
    contact_id uuid NOT NULL,
    delivery_message_id uuid NOT NULL UNIQUE,
    PRIMARY KEY (message_id, idx)
);

CREATE TABLE IF NOT EXISTS engagement_message_attachments (
    message_id uuid NOT NULL REFERENCES engagement_messages (id) ON DELETE CASCADE,
    attachment_id uuid NOT NULL REFERENCES engagement_attachments (id),
    followed boolean NOT NULL,
    PRIMARY KEY (message_id, attachment_id)
);

-- Replies matched to a recipient's copy. NOTE: event_id derives from the reply's own Message-ID (or its bytes),
-- so the same reply delivered twice (SMTP retry, webhook retry, both paths) is recorded and produced once.
CREATE TABLE IF NOT EXISTS engagement_replies (
    event_id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL,
    message_id uuid NOT NULL REFERENCES engagement_messages (id) ON DELETE CASCADE,
    delivery_message_id uuid NOT NULL,
    contact_id uuid NOT NULL,
    machine boolean NOT NULL,
    source text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    produced boolean NOT NULL DEFAULT false
);
CREATE INDEX IF NOT EXISTS engagement_replies_message_idx ON engagement_replies (message_id);
CREATE INDEX IF NOT EXISTS engagement_replies_unproduced_idx ON engagement_replies (received_at) WHERE NOT produced;

-- Alerts for the message's owner (first open, reminders). NOTE: alert_key is the exactly-once key
-- (first_open:<message> or reminder:<reminder>): inserts are ON CONFLICT DO NOTHING, and only the insert that
-- created the row queues its webhook.
CREATE TABLE IF NOT EXISTS engagement_alerts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    alert_key text NOT NULL UNIQUE,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    message_id uuid NOT NULL REFERENCES engagement_messages (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('first_open', 'reminder')),
    owner text NOT NULL DEFAULT '',
    title text NOT NULL,
    payload jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    dismissed_at timestamptz,
    -- none: no webhook configured; pending until a 2xx; failed after the last attempt
    webhook_state text NOT NULL DEFAULT 'none' CHECK (webhook_state IN ('none', 'pending', 'delivered', 'failed')),
    webhook_attempts integer NOT NULL DEFAULT 0,
    webhook_error text
);
CREATE INDEX IF NOT EXISTS engagement_alerts_workspace_idx ON engagement_alerts (workspace_id, id);
CREATE INDEX IF NOT EXISTS engagement_alerts_pending_idx ON engagement_alerts (created_at) WHERE webhook_state = 'pending';

-- Follow-up reminders. NOTE: state moves pending -> fired | not_needed exactly once, in the transaction that
-- creates the reminder's alert; edits and cancellation only touch pending rows.
CREATE TABLE IF NOT EXISTS engagement_reminders (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    message_id uuid NOT NULL REFERENCES engagement_messages (id) ON DELETE CASCADE,
    title text NOT NULL,
    condition text NOT NULL CHECK (condition IN ('no_reply_by', 'not_opened_by', 'anyway')),
    remind_at timestamptz NOT NULL,
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'fired', 'not_needed', 'cancelled')),
    decided_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS engagement_reminders_workspace_idx ON engagement_reminders (workspace_id, id);
CREATE INDEX IF NOT EXISTS engagement_reminders_due_idx ON engagement_reminders (remind_at) WHERE state = 'pending';
