-- Issue 22 (part 2): the domains a workspace sends from, each with DKIM keys of its own, so a message From the
-- tenant's domain is signed d=<that domain> and passes DMARC alignment (docs/sender.md#sending-domains). The API
-- writes both tables (docs/api.md#sending-domains); the sender reads the active key of a verified domain.
CREATE TABLE IF NOT EXISTS sending_domains (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    -- lower-case ASCII (IDNA, node:url's domainToASCII), validated by the API before it gets here
    domain text NOT NULL CHECK (domain = lower(domain) AND length(domain) BETWEEN 3 AND 253),
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'verified')),
    verified_at timestamptz,
    last_check_at timestamptz,
    last_check_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (workspace_id, domain)
);

-- A key's private half is sealed with the operator key (AES-256-GCM, CAIRN_DKIM_KEY_ENCRYPTION_KEY), bound to its
-- row by the additional data "<domain id>:<selector>", so a sealed key copied to another row does not open.
CREATE TABLE IF NOT EXISTS sending_domain_keys (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    domain_id uuid NOT NULL REFERENCES sending_domains (id) ON DELETE CASCADE,
    selector text NOT NULL CHECK (selector ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    private_key_sealed text NOT NULL,
    -- base64 SPKI DER, the p= of the DKIM record
    public_key text NOT NULL,
    state text NOT NULL CHECK (state IN ('active', 'next', 'retired')),
    created_at timestamptz NOT NULL DEFAULT now(),
    retired_at timestamptz,
    UNIQUE (domain_id, selector)
);
-- at most one active and one next key per domain: two selectors published during a rotation, never three
CREATE UNIQUE INDEX IF NOT EXISTS sending_domain_keys_one_active ON sending_domain_keys (domain_id) WHERE state = 'active';
CREATE UNIQUE INDEX IF NOT EXISTS sending_domain_keys_one_next ON sending_domain_keys (domain_id) WHERE state = 'next';
