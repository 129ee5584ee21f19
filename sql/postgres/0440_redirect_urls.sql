-- Issue 25 part 2: redirect URLs (docs/redirect-urls.md). A short code on ingest's public origin (/r/<code>) that
-- redirects to one destination fixed at creation: no column here is ever rewritten but name and disabled_at (the
-- API refuses a destination in a PATCH), so a code can never be pointed somewhere else. code is random base62 made
-- with node:crypto (lib/domain/redirects/redirect-url.ts); UNIQUE across workspaces because ingest finds a redirect
-- by its code alone. No contact id: clicks are anonymous, so erasure has nothing to do here.
CREATE TABLE IF NOT EXISTS redirect_urls (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    code text NOT NULL UNIQUE CHECK (code ~ '^[0-9A-Za-z]{8,16}$'),
    name text NOT NULL,
    destination text NOT NULL CHECK (length(destination) <= 2048 AND destination ~ '^https?://'),
    created_at timestamptz NOT NULL DEFAULT now(),
    disabled_at timestamptz
);
CREATE INDEX IF NOT EXISTS redirect_urls_workspace_idx ON redirect_urls (workspace_id, id);
