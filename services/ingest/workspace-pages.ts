import type { Pool } from 'pg';
import type { TrackingToken } from '../../lib/contracts/tracking/tracking-token';
import { contentSettingsOfMessage } from '../../lib/domain/email/content-settings.repository';
import { safeDestination } from './links.repository';

/** The query parameter that hands the workspace's page the recipient's one-purpose token. */
export const TOKEN_PARAMETER = 'cairn_token';

/** Which page of the content settings each recipient route may send the recipient to. */
const FIELDS = { subscription_center: 'subscription_center_url', forward: 'forward_url' } as const;

/**
 * Where a subscription-center or forward link sends the recipient (docs/ingest.md#the-workspaces-own-pages): the
 * page the message's content settings name, with the token of the route's purpose as `cairn_token`, or null for
 * ingest's own page (no content settings, or none named for this purpose).
 * NOTE: the destination comes from what PostgreSQL holds for the message the verified token names (its journey,
 * its frozen email version, the workspace default), never from the request: no open redirect.
 */
export async function workspacePage(
  pool: Pool,
  token: TrackingToken,
  purpose: keyof typeof FIELDS,
  rawToken: string,
): Promise<string | null> {
  const settings = await contentSettingsOfMessage(pool, token);
  const configured = settings ? safeDestination(settings[FIELDS[purpose]]) : null;
  if (configured === null) return null;
  const url = new URL(configured);
  url.searchParams.set(TOKEN_PARAMETER, rawToken);
  return url.href;
}
