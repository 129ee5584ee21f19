-- Issue 23 item 11: a first-open alert can be snoozed and can become a call, as an alert card's actions do
-- (docs/engagement.md#first-open-alerts). snoozed_until hides the alert from GET /v1/engagement/alerts until
-- then; task_id is the phone_call task POST /v1/engagement/alerts/{id}/call created. NOTE: exactly one task per
-- alert: the task's once_key is alert:<alert id> (tasks_once_key_idx is unique, the insert ON CONFLICT). Neither
-- column holds a contact id: erasure already anonymises the task (its contact_id) and the key names the alert.
ALTER TABLE engagement_alerts ADD COLUMN IF NOT EXISTS snoozed_until timestamptz;
ALTER TABLE engagement_alerts ADD COLUMN IF NOT EXISTS task_id uuid REFERENCES tasks (id) ON DELETE SET NULL;
