import { randomBytes, randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { ApiProblem, type FieldError } from './api-problem';
import { checkContent, messageHtml, type MessageFile } from './engagement-content';
import { storeMessage } from './engagement-message.store';
import { followAllowedSql } from '../../lib/domain/contacts/following';

export interface NewMessage {
  template_id?: string;
  subject?: string;
  body_html?: string;
  from_address: string;
  from_name?: string;
  reply_to?: string | null;
  recipients: string[];
  regarding?: { type: 'contact' | 'account' | 'lead'; id: string };
  follow?: boolean;
  allow_unfollowed?: boolean;
  attachments?: { attachment_id: string; followed?: boolean }[];
  send_at?: string;
  owner?: string;
}

export interface Following {
  followed: boolean;
  /** why a message the caller wanted followed is not */
  unfollowed_reason: 'not_requested' | 'workspace_following_off' | 'recipient_does_not_allow' | null;
}

const REGARDING_TABLES = { contact: 'contacts', account: 'accounts', lead: 'leads' } as const;

export async function followingEnabled(db: Pool | PoolClient, workspaceId: string): Promise<boolean> {
  const { rows } = await db.query<{ following_enabled: boolean }>(
    'SELECT following_enabled FROM engagement_settings WHERE workspace_id = $1',
    [workspaceId],
  );
  return rows[0]?.following_enabled ?? true;
}

/**
 * Following (docs/engagement.md#followed-messages-and-do-not-allow): on by default; not followed when the workspace
 * turned following off; when a recipient's following is Do Not Allow, the API names them (409) and sends unfollowed
 * only if the caller accepts it.
 */
export function decideFollowing(
  body: Pick<NewMessage, 'follow' | 'allow_unfollowed'>,
  workspaceFollows: boolean,
  allows: readonly boolean[],
): Following {
  if (body.follow === false) return { followed: false, unfollowed_reason: 'not_requested' };
  if (!workspaceFollows) return { followed: false, unfollowed_reason: 'workspace_following_off' };
  const refusing: FieldError[] = allows.flatMap((allow, i) =>
    allow
      ? []
      : [
          {
            field: `recipients[${i}]`,
            message: 'following is set to Do Not Allow for this contact, its account or one of its leads',
          },
        ],
  );
  if (refusing.length === 0) return { followed: true, unfollowed_reason: null };
  if (body.allow_unfollowed) return { followed: false, unfollowed_reason: 'recipient_does_not_allow' };
  throw new ApiProblem(
    409,
    `${refusing.length} recipient(s) do not allow following: remove them, or send the message unfollowed with "allow_unfollowed": true`,
    refusing,
  );
}

async function recipientsOf(db: Pool, workspaceId: string, ids: readonly string[]): Promise<boolean[]> {
  const { rows } = await db.query<{ id: string; allow_follow_email: boolean }>(
    `SELECT c.id::text, ${followAllowedSql('c')} AS allow_follow_email FROM contacts c
      WHERE c.workspace_id = $1 AND c.id = ANY($2::uuid[])`,
    [workspaceId, ids],
  );
  const found = new Map(rows.map((row) => [row.id, row.allow_follow_email]));
  const missing = ids.flatMap((id, i) =>
    found.has(id) ? [] : [{ field: `recipients[${i}]`, message: 'no such contact in this workspace' }],
  );
  if (missing.length > 0) throw new ApiProblem(404, 'a recipient is not a contact of this workspace', missing);
  if (new Set(ids).size !== ids.length)
    throw new ApiProblem(400, 'a contact is listed twice', [{ field: 'recipients', message: 'duplicate contact' }]);
  return ids.map((id) => found.get(id) as boolean);
}

async function filesOf(db: Pool, workspaceId: string, wanted: NewMessage['attachments'] = []): Promise<MessageFile[]> {
  const { rows } = await db.query<{ id: string; filename: string; size: number; download_token: string }>(
    'SELECT id::text, filename, size, download_token FROM engagement_attachments WHERE workspace_id = $1 AND id = ANY($2::uuid[])',
    [workspaceId, wanted.map((w) => w.attachment_id)],
  );
  const found = new Map(rows.map((row) => [row.id, row]));
  const missing = wanted.flatMap((w, i) =>
    found.has(w.attachment_id)
      ? []
      : [{ field: `attachments[${i}].attachment_id`, message: 'no such attachment in this workspace' }],
  );
  if (missing.length > 0) throw new ApiProblem(404, 'an attachment was not found', missing);
  return wanted.map((w) => {
    const row = found.get(w.attachment_id) as (typeof rows)[number];
    return {
      id: row.id,
      filename: row.filename,
      size: row.size,
      downloadToken: row.download_token,
      followed: w.followed !== false,
    };
  });
}

/** The content to freeze: the template's, with the body's own subject and HTML winning when given. */
async function contentOf(
  db: Pool,
  workspaceId: string,
  body: NewMessage,
): Promise<{ subject: string; html: string; templateName: string | null }> {
  let template: { name: string; subject: string; body_html: string } | undefined;
  if (body.template_id) {
    ({
      rows: [template],
    } = await db.query(
      'SELECT name, subject, body_html FROM engagement_templates WHERE workspace_id = $1 AND id = $2',
      [workspaceId, body.template_id],
    ));
    if (!template)
      throw new ApiProblem(404, 'template not found', [
        { field: 'template_id', message: 'no such template in this workspace' },
      ]);
  }
  const subject = body.subject ?? template?.subject;
  const html = body.body_html ?? template?.body_html;
  if (subject === undefined)
    throw new ApiProblem(400, 'subject is required without a template', [{ field: 'subject', message: 'required' }]);
  if (html === undefined)
    throw new ApiProblem(400, 'body_html is required without a template', [
      { field: 'body_html', message: 'required' },
    ]);
  checkContent(subject, html);
  return { subject, html, templateName: template?.name ?? null };
}

export function parseSendAt(value: string | undefined, now = Date.now(), field = 'send_at'): Date {
  if (value === undefined) return new Date(now);
  const at = new Date(value);
  // A minute of slack for clocks; a time clearly past would silently mean "now", which the caller did not ask.
  if (Number.isNaN(at.getTime()) || at.getTime() < now - 60_000)
    throw new ApiProblem(400, `${field} is in the past`, [{ field, message: 'must be a future date-time' }]);
  return at;
}

export async function assertRegarding(
  db: Pool,
  workspaceId: string,
  regarding: NewMessage['regarding'],
): Promise<void> {
  if (!regarding) return;
  const { rowCount } = await db.query(
    `SELECT 1 FROM ${REGARDING_TABLES[regarding.type]} WHERE workspace_id = $1 AND id = $2`,
    [workspaceId, regarding.id],
  );
  if (!rowCount)
    throw new ApiProblem(404, `regarding names no ${regarding.type} of this workspace`, [
      { field: 'regarding.id', message: 'not found' },
    ]);
}

export interface CreatedMessage extends Following {
  id: string;
  send_at: Date;
}

/**
 * Checks everything, then freezes the message in one transaction (engagement-message.store.ts): its email version
 * (the template's email, or an email of its own) with the link table, the message, its recipients and files.
 * Nothing is stored on any 4xx.
 */
export async function createMessage(
  pool: Pool,
  workspaceId: string,
  keyId: string | null,
  body: NewMessage,
  publicUrl: string,
): Promise<CreatedMessage> {
  const sendAt = parseSendAt(body.send_at);
  const allows = await recipientsOf(pool, workspaceId, body.recipients);
  await assertRegarding(pool, workspaceId, body.regarding);
  const files = await filesOf(pool, workspaceId, body.attachments);
  const content = await contentOf(pool, workspaceId, body);
  const following = decideFollowing(body, await followingEnabled(pool, workspaceId), allows);
  const frozen = messageHtml(content.html, files, following.followed, publicUrl);
  const id = randomUUID();
  const { subject } = content;
  await storeMessage(pool, { id, workspaceId, keyId, body, sendAt, subject, ...frozen, files, ...following });
  return { id, send_at: sendAt, ...following };
}

/** A download token: the capability in a followed attachment's URL (32 random bytes). */
export const newDownloadToken = (): string => randomBytes(32).toString('base64url');
