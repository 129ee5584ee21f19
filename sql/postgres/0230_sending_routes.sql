-- Issue 22 (part 3): which named relay (route) a message takes (docs/sender.md#routes). The routes themselves, with
-- their URLs and credentials, are the operator's setting (CAIRN_SENDER_ROUTES), never stored here: a tenant never
-- chooses a host. A sending domain's route wins over its workspace's; null on both: the route named "default".
-- Names only (the shape of a route name), no contact ids: nothing here for erasure.
ALTER TABLE workspaces ADD COLUMN IF NOT EXISTS route_name text CHECK (route_name ~ '^[a-z0-9-]{1,40}$');
ALTER TABLE sending_domains ADD COLUMN IF NOT EXISTS route_name text CHECK (route_name ~ '^[a-z0-9-]{1,40}$');
