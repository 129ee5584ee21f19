import type { Pool } from 'pg';

/**
 * The sales signal of the template ranking (docs/engagement.md#template-recommendations): per template, how many of
 * its messages (one per recipient, as `sent` counts them) were followed by a lead for that recipient's contact,
 * created by a create-lead tile or the API within `windowDays` after the message was handed to the sender
 * (queued_at). A message counts once however many leads follow it; a lead counts for every templated message its
 * contact got in the window before it.
 */
export async function templateLeadCounts(
  db: Pool,
  workspaceId: string,
  templateIds: readonly string[],
  windowDays: number,
): Promise<Map<string, number>> {
  if (templateIds.length === 0) return new Map();
  const { rows } = await db.query<{ template_id: string; leads: number }>(
    `SELECT m.template_id::text, count(*)::int AS leads
       FROM engagement_messages m
       JOIN engagement_recipients r ON r.message_id = m.id
      WHERE m.workspace_id = $1 AND m.template_id = ANY($2::uuid[]) AND m.state = 'queued'
        AND EXISTS (SELECT 1 FROM leads l
                     WHERE l.workspace_id = $1 AND l.contact_id = r.contact_id
                       AND l.created_at >= m.queued_at AND l.created_at < m.queued_at + make_interval(days => $3))
      GROUP BY m.template_id`,
    [workspaceId, templateIds, windowDays],
  );
  return new Map(rows.map((row) => [row.template_id, row.leads]));
}
