import type { Pool } from 'pg';
import type { TrackingToken } from '../../contracts/tracking/tracking-token';
import type { ContentSettingsData } from './email-check';

/**
 * The content settings a message is sent with (docs/sender.md#rendering): the journey's when it names some, else
 * the email version's, else the workspace default. The sender merges them into the mail; ingest's subscription
 * center and forward routes read the same ones to know which page the recipient sees (docs/ingest.md#endpoints).
 * NOTE: read within the message's own workspace only: another workspace's settings are never picked.
 */
export async function loadContentSettings(
  pool: Pool,
  workspaceId: string,
  ids: readonly (string | null)[],
): Promise<ContentSettingsData | null> {
  const { rows } = await pool.query<ContentSettingsData & { pick: number }>(
    `SELECT subscription_center_url, forward_url, postal_address, social_links,
            CASE WHEN id::text = $2 THEN 0 WHEN id::text = $3 THEN 1 ELSE 2 END AS pick
       FROM content_settings WHERE workspace_id = $1 AND (id::text = $2 OR id::text = $3 OR is_default)
      ORDER BY pick LIMIT 1`,
    [workspaceId, ids[0] ?? null, ids[1] ?? null],
  );
  const row = rows[0];
  if (!row) return null;
  const { pick: _pick, ...content } = row;
  return content;
}

/**
 * The content settings of the message a token belongs to, found from what the server stored for it (the journey's
 * settings and the frozen email version the token names), never from the request: the same pick as the sender's.
 */
export async function contentSettingsOfMessage(
  pool: Pool,
  token: Pick<TrackingToken, 'workspaceId' | 'journeyId' | 'emailId' | 'emailVersion'>,
): Promise<ContentSettingsData | null> {
  const { rows } = await pool.query<{ journey: string | null; version: string | null }>(
    `SELECT (SELECT settings->>'content_settings_id' FROM journeys
              WHERE id::text = $2 AND workspace_id::text = $1) AS journey,
            (SELECT content_settings_id::text FROM email_versions
              WHERE email_id::text = $3 AND version = $4 AND workspace_id::text = $1) AS version`,
    [token.workspaceId, token.journeyId ?? '', token.emailId, token.emailVersion],
  );
  const picks = rows[0];
  return loadContentSettings(pool, token.workspaceId, [picks?.journey ?? null, picks?.version ?? null]);
}
