-- Issue 24: marketing forms and pages (docs/pages-and-forms.md). Forms and pages are drafts; go-live freezes an
-- immutable version, which is all ingest serves and validates against. Submissions, pending double opt-in
-- confirmations and consent records hold a contact id and join erasure (services/api/contact-erasure.ts).

CREATE TABLE IF NOT EXISTS forms (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name text NOT NULL,
    -- lib/domain/forms/form-definition.ts FormDefinition
    definition jsonb NOT NULL,
    status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'live', 'stopped')),
    live_version integer,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS forms_workspace_idx ON forms (workspace_id, id);

CREATE TABLE IF NOT EXISTS form_versions (
    form_id uuid NOT NULL REFERENCES forms (id) ON DELETE CASCADE,
    version integer NOT NULL,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    definition jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (form_id, version)
);

CREATE TABLE IF NOT EXISTS pages (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name text NOT NULL,
    -- lib/domain/forms/form-definition.ts PageDefinition
    definition jsonb NOT NULL,
    status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'live', 'stopped')),
    live_version integer,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS pages_workspace_idx ON pages (workspace_id, id);

-- A page frozen at go-live: MJML compiled once to HTML, each form placeholder left in place and the live form
-- versions it embeds pinned (form_versions), so a later form go-live needs a page go-live to show.
CREATE TABLE IF NOT EXISTS page_versions (
    page_id uuid NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
    version integer NOT NULL,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    title text NOT NULL,
    html text NOT NULL,
    -- [{form_id, version}] in the order the placeholders appear
    forms jsonb NOT NULL DEFAULT '[]'::jsonb,
    content_settings_id uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (page_id, version)
);

-- Origins (scheme://host[:port]) whose pages may post to the workspace's forms and read the embed script's
-- answers (CORS), and the only hosts a form's thank-you redirect may go to.
ALTER TABLE workspaces ADD COLUMN IF NOT EXISTS form_origins text[] NOT NULL DEFAULT '{}';

-- One accepted submission. NOTE: the id is the submission id the rendered form carries (signed by ingest), so a
-- replayed post hits the primary key and creates no second contact, lead or event (docs/pages-and-forms.md).
CREATE TABLE IF NOT EXISTS form_submissions (
    id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    form_id uuid NOT NULL REFERENCES forms (id) ON DELETE CASCADE,
    form_version integer NOT NULL,
    page_id uuid REFERENCES pages (id) ON DELETE SET NULL,
    page_version integer,
    contact_id uuid REFERENCES contacts (id) ON DELETE CASCADE,
    -- the tracked landing-page link's message, when the visit came from one ('' otherwise)
    message_id text NOT NULL DEFAULT '',
    email_id text NOT NULL DEFAULT '',
    email_version integer NOT NULL DEFAULT 0,
    journey_id text NOT NULL DEFAULT '',
    tile_id text NOT NULL DEFAULT '',
    iteration integer NOT NULL DEFAULT 0,
    -- the accepted values by field name
    fields jsonb NOT NULL,
    contact_outcome text NOT NULL CHECK (contact_outcome IN ('created', 'updated')),
    lead_id uuid,
    lead_outcome text NOT NULL CHECK (lead_outcome IN ('created', 'updated', 'none')),
    confirmation_pending boolean NOT NULL DEFAULT false,
    country text,
    user_agent text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS form_submissions_form_idx ON form_submissions (workspace_id, form_id, created_at);
CREATE INDEX IF NOT EXISTS form_submissions_page_idx ON form_submissions (workspace_id, page_id, created_at)
    WHERE page_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS form_submissions_contact_idx ON form_submissions (contact_id);

-- Double opt-in: what the submission will do once its confirmation link is followed (once: confirmed_at).
CREATE TABLE IF NOT EXISTS form_confirmations (
    submission_id uuid PRIMARY KEY REFERENCES form_submissions (id) ON DELETE CASCADE,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    contact_id uuid NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    list_ids uuid[] NOT NULL DEFAULT '{}',
    consent_level smallint,
    expires_at timestamptz NOT NULL,
    confirmed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS form_confirmations_contact_idx ON form_confirmations (contact_id);

-- Consent given through a form: when, from which form and submission, the client's country and user agent (never
-- its address), and whether it came with the submission or with a double opt-in confirmation.
CREATE TABLE IF NOT EXISTS consent_records (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    contact_id uuid NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    form_id uuid REFERENCES forms (id) ON DELETE SET NULL,
    submission_id uuid REFERENCES form_submissions (id) ON DELETE SET NULL,
    source text NOT NULL CHECK (source IN ('submission', 'double_opt_in')),
    consent_level smallint,
    list_ids uuid[] NOT NULL DEFAULT '{}',
    country text,
    user_agent text,
    given_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS consent_records_contact_idx ON consent_records (contact_id);

-- What created a lead (lead_generated.v2 origin) and, for forms, which submission.
ALTER TABLE leads ADD COLUMN IF NOT EXISTS origin text NOT NULL DEFAULT 'tile'
    CHECK (origin IN ('tile', 'form', 'landing_page', 'api'));
ALTER TABLE leads ADD COLUMN IF NOT EXISTS submission_id uuid;
