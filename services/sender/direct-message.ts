import type { Pool } from 'pg';
import { TRACKING_HEADER } from '../../lib/contracts/tracking/tracking-token';
import type { DeliveryItem } from './delivery-item';
import { decideAddressEligibility, type AddressRules, type Eligibility, type RecipientRow } from './eligibility';
import { mailOf } from './smtp-delivery';
import type { MimeAttachment, OutgoingMail } from './mail-types';
import type { RenderedMessage, FrozenVersion } from './message-renderer';

export type DirectItem = Extract<DeliveryItem, { kind: 'direct' }>;

/**
 * A one-to-one message is not bulk email: do-not-bulk-email, list membership and consent levels (the journey's
 * rules) do not apply. The address rules and suppression do: a missing, invalid or blocklisted address (and a role
 * address when the workspace blocks them) is Blocked, and an address suppressed by a hard bounce or a complaint is
 * never handed to SMTP (yet counted: docs/kpis.md#attempts-to-suppressed-addresses).
 */
export const decideDirectEligibility = (row: RecipientRow, rules: AddressRules): Eligibility =>
  decideAddressEligibility(row.email, row.suppression, rules);

/** One-to-one messages of the batch that were cancelled after their job was queued (see dispatchDue): not sent. */
export async function cancelledMessages(pool: Pool, items: readonly DeliveryItem[]): Promise<Set<string>> {
  const ids = [
    ...new Set(items.flatMap((item) => (item.kind === 'direct' ? [item.request.engagement_message_id] : []))),
  ];
  if (ids.length === 0) return new Set();
  const { rows } = await pool.query<{ id: string }>(
    "SELECT id::text FROM engagement_messages WHERE id = ANY($1::uuid[]) AND state = 'cancelled'",
    [ids],
  );
  return new Set(rows.map((row) => row.id));
}

/** The files attached to the MIME (unfollowed attachments), of the item's own workspace only. */
export async function loadAttachments(
  pool: Pool,
  workspaceId: string,
  ids: readonly string[],
): Promise<MimeAttachment[]> {
  if (ids.length === 0) return [];
  const { rows } = await pool.query<{ filename: string; content_type: string; content: Buffer }>(
    'SELECT filename, content_type, content FROM engagement_attachments WHERE workspace_id = $1 AND id = ANY($2::uuid[]) ORDER BY created_at, id',
    [workspaceId, ids],
  );
  return rows.map((row) => ({ filename: row.filename, contentType: row.content_type, content: row.content }));
}

/**
 * A personal message: no List-Unsubscribe, List-Id or Feedback-ID (it is not list mail), the tracking token
 * header only so that bounces and complaints find their message.
 */
export function directMail(
  rendered: RenderedMessage,
  version: FrozenVersion,
  to: string,
  attachments: MimeAttachment[],
): OutgoingMail {
  return {
    ...mailOf(rendered, version, to),
    headers: { [TRACKING_HEADER]: rendered.token },
    attachments,
  };
}
