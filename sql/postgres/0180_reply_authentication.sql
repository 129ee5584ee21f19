-- Issue 20 defect 15: every reply is authenticated (SPF, DKIM, DMARC alignment of From, mailauth) and the verdict
-- kept with it (docs/engagement.md#reply-tracking). Replies recorded before this migration were never checked:
-- they keep 'unchecked'. Only a 'verified' human reply sets engagement_messages.first_replied_at, so a forged
-- reply cannot cancel a no_reply_by reminder.
ALTER TABLE engagement_replies ADD COLUMN IF NOT EXISTS auth_verdict text NOT NULL DEFAULT 'unchecked'
    CHECK (auth_verdict IN ('verified', 'unverified', 'unchecked'));
ALTER TABLE engagement_replies ALTER COLUMN auth_verdict DROP DEFAULT;
-- {spf, dkim, dmarc, reason}: the results of each check (never an address), for support and the history.
ALTER TABLE engagement_replies ADD COLUMN IF NOT EXISTS auth_results jsonb NOT NULL DEFAULT '{}'::jsonb;
