-- Core records shared by every service. The API owns writes; ingest reads links and updates subscriptions;
-- the scheduler and sender read contacts, versions and suppression.

-- Contacts are people; accounts are the companies they belong to.
CREATE TABLE IF NOT EXISTS accounts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name text NOT NULL,
    attributes jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS accounts_workspace_idx ON accounts (workspace_id, id);

CREATE TABLE IF NOT EXISTS contacts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    email text,
    first_name text,
    last_name text,
    time_zone text,
    account_id uuid REFERENCES accounts (id) ON DELETE SET NULL,
    -- 0 not set, 1 consent given, 2 transactional, 3 subscriptions, 4 marketing, 5 profiling (seed 002)
    consent_level smallint NOT NULL DEFAULT 0 CHECK (consent_level BETWEEN 0 AND 5),
    do_not_bulk_email boolean NOT NULL DEFAULT false,
    allow_follow_email boolean NOT NULL DEFAULT true,
    attributes jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- Import upserts by (workspace, lower(email)).
CREATE UNIQUE INDEX IF NOT EXISTS contacts_workspace_email_idx ON contacts (workspace_id, lower(email)) WHERE email IS NOT NULL;
CREATE INDEX IF NOT EXISTS contacts_workspace_idx ON contacts (workspace_id, id);

CREATE TABLE IF NOT EXISTS subscription_lists (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name text NOT NULL,
    description text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS subscription_lists_workspace_idx ON subscription_lists (workspace_id, id);

-- A row per (list, contact). unsubscribed_at set means the contact left the list; journeys targeting the
-- list block the contact before the next send.
CREATE TABLE IF NOT EXISTS list_memberships (
    list_id uuid NOT NULL REFERENCES subscription_lists (id) ON DELETE CASCADE,
    contact_id uuid NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    subscribed_at timestamptz NOT NULL DEFAULT now(),
    unsubscribed_at timestamptz,
    PRIMARY KEY (list_id, contact_id)
);
CREATE INDEX IF NOT EXISTS list_memberships_contact_idx ON list_memberships (contact_id);

-- Emails are drafts; go-live freezes an immutable version (compiled HTML and its link table).
CREATE TABLE IF NOT EXISTS emails (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name text NOT NULL,
    status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'live', 'stopped')),
    draft jsonb NOT NULL DEFAULT '{}'::jsonb,
    live_version integer,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS emails_workspace_idx ON emails (workspace_id, id);

CREATE TABLE IF NOT EXISTS email_versions (
    email_id uuid NOT NULL REFERENCES emails (id) ON DELETE CASCADE,
    version integer NOT NULL,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    subject text NOT NULL,
    from_address text NOT NULL,
    from_name text NOT NULL DEFAULT '',
    reply_to text,
    preview_text text NOT NULL DEFAULT '',
    -- MJML compiled once at go-live: HTML with Handlebars merge fields left in place
    compiled_html text NOT NULL,
    text_body text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (email_id, version)
);

-- The click redirect's only source of destinations: a token names (email, version, link_id) and the
-- redirect goes to the url recorded here, never to anything taken from the request.
CREATE TABLE IF NOT EXISTS email_links (
    email_id uuid NOT NULL,
    version integer NOT NULL,
    link_id text NOT NULL,
    url text NOT NULL,
    kind text NOT NULL DEFAULT 'link' CHECK (kind IN ('link', 'attachment', 'subscription_center', 'forward', 'landing_page')),
    label text NOT NULL DEFAULT '',
    PRIMARY KEY (email_id, version, link_id),
    FOREIGN KEY (email_id, version) REFERENCES email_versions (email_id, version) ON DELETE CASCADE
);

-- Suppression of addresses after hard bounces (6 months), repeated soft bounces, complaints (at once).
CREATE TABLE IF NOT EXISTS address_suppressions (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    address text NOT NULL,
    reason text NOT NULL CHECK (reason IN ('hard_bounce', 'soft_bounces', 'complaint', 'manual')),
    suppressed_until timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, address)
);

CREATE TABLE IF NOT EXISTS address_bounce_state (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    address text NOT NULL,
    consecutive_soft_bounces integer NOT NULL DEFAULT 0,
    last_event_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, address)
);
