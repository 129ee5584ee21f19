-- Websites a workspace tracks with Cairn's tracking script (docs/web-tracking.md). A website is one canonical origin
-- (scheme://host[:port], as WHATWG URL writes it), so ingest compares an Origin header or a page URL with it as a
-- string. visitor_id_mode is the workspace's consent setting for the site: 'none' keeps no identifier beyond the
-- page load, 'first_party' lets the script keep a random visitor id in a first-party cookie. honor_dnt: a hit sent
-- with DNT: 1 or Sec-GPC: 1 is not recorded. No contact id here: the activity lives in ClickHouse, so erasure has
-- nothing to do in this table.
CREATE TABLE IF NOT EXISTS websites (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name text NOT NULL,
    origin text NOT NULL,
    visitor_id_mode text NOT NULL DEFAULT 'none' CHECK (visitor_id_mode IN ('none', 'first_party')),
    honor_dnt boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (workspace_id, origin)
);
CREATE INDEX IF NOT EXISTS websites_workspace_idx ON websites (workspace_id, id);
