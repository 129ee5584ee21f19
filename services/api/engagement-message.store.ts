import type { Pool, PoolClient } from 'pg';
import { extractLinks, type FollowedAttachment } from '../../lib/domain/email/email-links';
import { inTransaction } from '../../lib/platform/postgres/pg-pool';

/** A one-to-one message as checked and frozen (engagement-message.service.ts): what the store writes. */
export interface MessageToStore {
  id: string;
  workspaceId: string;
  keyId: string | null;
  /** the request's fields stored as given */
  body: {
    template_id?: string;
    from_address: string;
    from_name?: string;
    reply_to?: string | null;
    recipients: string[];
    regarding?: { type: string; id: string };
    owner?: string;
  };
  sendAt: Date;
  subject: string;
  /** the HTML and followed attachments as sent */
  html: string;
  attachments: FollowedAttachment[];
  files: readonly { id: string; followed: boolean }[];
  followed: boolean;
}

/**
 * Freezes the message in one transaction: its email version (the template's email, or an email of its own) with
 * the link table, the message, its recipients and files.
 */
export async function storeMessage(pool: Pool, message: MessageToStore): Promise<void> {
  await inTransaction(pool, async (client) => {
    const email = await insertVersion(client, message);
    await insertMessage(client, message, email);
  });
}

/** The message's email version, its link table, and the email's live version moved to it. */
async function insertVersion(
  client: PoolClient,
  { workspaceId, body, ...frozen }: MessageToStore,
): Promise<{ emailId: string; version: number }> {
  const { emailId, version } = await nextVersion(client, workspaceId, body.template_id ?? null, frozen.subject);
  await client.query(
    `INSERT INTO email_versions (email_id, version, workspace_id, subject, from_address, from_name, reply_to, compiled_html, attachments)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      emailId,
      version,
      workspaceId,
      frozen.subject,
      body.from_address,
      body.from_name ?? '',
      body.reply_to ?? null,
      frozen.html,
      JSON.stringify(frozen.attachments),
    ],
  );
  const links = extractLinks(frozen.html, frozen.attachments);
  await client.query(
    `INSERT INTO email_links (email_id, version, link_id, url, kind, label) SELECT $1, $2, unnest($3::text[]), unnest($4::text[]), unnest($5::text[]), unnest($6::text[])`,
    [
      emailId,
      version,
      links.map((l) => l.link_id),
      links.map((l) => l.url),
      links.map((l) => l.kind),
      links.map((l) => l.label),
    ],
  );
  await client.query('UPDATE emails SET live_version = $2, updated_at = now() WHERE id = $1', [emailId, version]);
  return { emailId, version };
}

/** The scheduled message on that version, its recipients in order and its files. */
async function insertMessage(
  client: PoolClient,
  { id, workspaceId, keyId, body, subject, files, followed, sendAt }: MessageToStore,
  { emailId, version }: { emailId: string; version: number },
): Promise<void> {
  await client.query(
    `INSERT INTO engagement_messages (id, workspace_id, email_id, email_version, template_id, regarding_type, regarding_id, owner, sent_by_key_id, subject, followed, state, send_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'scheduled', $12)`,
    [
      id,
      workspaceId,
      emailId,
      version,
      body.template_id ?? null,
      body.regarding?.type ?? null,
      body.regarding?.id ?? null,
      body.owner ?? '',
      keyId,
      subject,
      followed,
      sendAt,
    ],
  );
  await client.query(
    'INSERT INTO engagement_recipients (message_id, idx, contact_id, delivery_message_id) SELECT $1, i - 1, c, gen_random_uuid() FROM unnest($2::uuid[]) WITH ORDINALITY AS t(c, i)',
    [id, body.recipients],
  );
  await client.query(
    'INSERT INTO engagement_message_attachments (message_id, attachment_id, followed) SELECT $1, unnest($2::uuid[]), unnest($3::boolean[])',
    [id, files.map((f) => f.id), files.map((f) => f.followed)],
  );
}

/**
 * A template's messages are versions of the template's email (its events carry the template's id, which is
 * how ClickHouse ranks templates); an ad-hoc message gets an email of its own. The email row is locked, so two
 * messages from one template never take the same version.
 */
async function nextVersion(
  client: PoolClient,
  workspaceId: string,
  templateId: string | null,
  subject: string,
): Promise<{ emailId: string; version: number }> {
  if (!templateId) {
    const { rows } = await client.query<{ id: string }>(
      "INSERT INTO emails (workspace_id, name, status, channel) VALUES ($1, $2, 'live', 'one_to_one') RETURNING id::text",
      [workspaceId, subject.slice(0, 300) || 'one-to-one message'],
    );
    return { emailId: (rows[0] as { id: string }).id, version: 1 };
  }
  await client.query('SELECT 1 FROM emails WHERE id = $1 AND workspace_id = $2 FOR UPDATE', [templateId, workspaceId]);
  const { rows } = await client.query<{ version: number }>(
    'SELECT coalesce(max(version), 0) + 1 AS version FROM email_versions WHERE email_id = $1',
    [templateId],
  );
  return { emailId: templateId, version: rows[0]?.version ?? 1 };
}
