-- Issue 20 (defect 2): each workspace signs its outbound webhooks (launch-workflow tiles, engagement alerts) with
-- a secret of its own, where one CAIRN_SCHEDULER_WEBHOOK_SECRET used to sign every tenant's calls. The API shows
-- it once, when the workspace is created or the secret rotated (docs/api.md); the scheduler and the engagement
-- service read it here when they sign. The default makes one for every row, old or new: 244 random bits from
-- PostgreSQL's gen_random_uuid (pg_strong_random); a volatile default is evaluated for each existing row.
ALTER TABLE workspaces ADD COLUMN IF NOT EXISTS webhook_secret text NOT NULL
    DEFAULT 'whsec_' || replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');
ALTER TABLE workspaces ADD COLUMN IF NOT EXISTS webhook_secret_rotated_at timestamptz NOT NULL DEFAULT now();

-- Alerts now sign with the workspace's secret too (one mechanism): a workspace that had set an alert webhook
-- secret keeps it as its workspace secret, so its alert receiver goes on verifying.
UPDATE workspaces w SET webhook_secret = s.alert_webhook_secret
  FROM engagement_settings s WHERE s.workspace_id = w.id AND s.alert_webhook_secret IS NOT NULL;
ALTER TABLE engagement_settings DROP COLUMN IF EXISTS alert_webhook_secret;

-- Dead-lettered launch-workflow webhooks say why (an error code of lib/errors.ts): WEBHOOK_DEAD_LETTERED when
-- every attempt failed, egress_refused when the egress policy refused the destination (never retried).
ALTER TABLE journey_webhook_dead_letters ADD COLUMN IF NOT EXISTS reason text NOT NULL DEFAULT 'WEBHOOK_DEAD_LETTERED';
