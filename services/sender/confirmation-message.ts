import Handlebars from 'handlebars';
import type { Pool } from 'pg';
import type { TrackingTokenCodec } from '../../lib/contracts/tracking/tracking-token';
import { sendingDomainOfAddress } from '../../lib/domain/email/sending-domain';
import { senderAddressProblem } from './address-policy';
import type { DeliveryItem } from './delivery-item';
import type { RecipientRow } from './eligibility';
import type { OutgoingMail } from './mail-types';
import { decideRecipient, finalOutcome, type BatchFacts, type Claimed, type Prepared } from './recipient-decision';

// The double opt-in confirmation email (docs/pages-and-forms.md#double-opt-in): a system email, not a marketing
// message, so it has no beacon, no tracked links, no List-Unsubscribe and no KPI events; the address rules and
// suppression apply as to a one-to-one message.

export type ConfirmItem = Extract<Claimed, { kind: 'confirm' }>;

export const DEFAULT_CONFIRM_SUBJECT = 'Please confirm your subscription';
export const DEFAULT_CONFIRM_TEXT =
  'Please confirm that you want to receive our emails by following the link below. If you did not ask for them, ignore this message: nothing will happen.';
const MAX_SUBJECT = 400;
const MAX_FROM_NAME = 200;
const MAX_TEXT = 5_000;

/** The form version's `confirmation` (lib/domain/forms/form-definition.ts), read back from jsonb and checked. */
export interface ConfirmationSettings {
  fromAddress: string;
  fromName: string;
  subject: string;
  text: string;
}

/** What the sender reads about one pending confirmation. */
interface Pending {
  formId: string;
  formVersion: number;
  open: boolean;
  settings: ConfirmationSettings | null;
  fromVerified: boolean;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const optionalText = (value: unknown): string | null | undefined =>
  value === undefined || value === null ? undefined : typeof value === 'string' ? value : null;

/** No line break or NUL in a header; at most `max` characters. */
const headerText = (value: string, max: number): string =>
  value
    .replace(/[\r\n\0]+/g, ' ')
    .trim()
    .slice(0, max);

/** The confirmation settings of a frozen form definition, or null when they are missing or not of their types. */
export function confirmationSettingsOf(definition: unknown): ConfirmationSettings | null {
  const confirmation = isRecord(definition) ? definition.confirmation : undefined;
  if (!isRecord(confirmation) || typeof confirmation.from_address !== 'string') return null;
  const fromName = optionalText(confirmation.from_name);
  const subject = optionalText(confirmation.subject);
  const text = optionalText(confirmation.text);
  if (fromName === null || subject === null || text === null) return null;
  return {
    fromAddress: confirmation.from_address.trim(),
    fromName: headerText(fromName ?? '', MAX_FROM_NAME),
    subject: headerText(subject ?? '', MAX_SUBJECT) || DEFAULT_CONFIRM_SUBJECT,
    text: (text ?? '').replace(/\0/g, '').trim().slice(0, MAX_TEXT) || DEFAULT_CONFIRM_TEXT,
  };
}

/**
 * Each item's confirmation (still open: not confirmed, not expired), its form version's settings and whether the
 * From domain is a verified sending domain of the workspace. An item without a row (erased, or deleted) is absent;
 * one whose form version is missing has no settings (it fails rather than being polled again).
 */
export async function loadPending(pool: Pool, items: readonly ConfirmItem[]): Promise<Map<string, Pending>> {
  if (items.length === 0) return new Map();
  const { rows } = await pool.query<{
    submission_id: string;
    form_id: string;
    form_version: number;
    open: boolean;
    definition: unknown;
  }>(
    `SELECT c.submission_id::text, s.form_id::text, s.form_version, v.definition,
            (c.confirmed_at IS NULL AND c.expires_at > now()) AS open
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) AS t(submission_id, workspace_id, contact_id)
       JOIN form_confirmations c ON c.submission_id = t.submission_id AND c.workspace_id = t.workspace_id
                                AND c.contact_id = t.contact_id
       JOIN form_submissions s ON s.id = c.submission_id AND s.workspace_id = c.workspace_id
       LEFT JOIN form_versions v ON v.form_id = s.form_id AND v.version = s.form_version AND v.workspace_id = s.workspace_id`,
    [items.map((i) => i.request.submission_id), items.map((i) => i.workspaceId), items.map((i) => i.contactId)],
  );
  const workspaceOf = new Map(items.map((i) => [i.request.submission_id, i.workspaceId]));
  const read = rows.map((row) => ({
    row,
    workspaceId: workspaceOf.get(row.submission_id) ?? '',
    settings: confirmationSettingsOf(row.definition),
  }));
  const verified = await verifiedFromDomains(
    pool,
    read.flatMap((r) => (r.settings ? [{ workspaceId: r.workspaceId, address: r.settings.fromAddress }] : [])),
  );
  return new Map(
    read.map(({ row, workspaceId, settings }): [string, Pending] => [
      `confirm:${row.submission_id}`,
      {
        formId: row.form_id,
        formVersion: row.form_version,
        open: row.open,
        settings,
        fromVerified:
          settings !== null && verified.has(`${workspaceId}:${sendingDomainOfAddress(settings.fromAddress)}`),
      },
    ]),
  );
}

/**
 * `<workspace id>:<domain>` of each From domain among `froms` that is a verified sending domain of its own
 * workspace (docs/sender.md#sending-domains): another workspace's verification of the same domain counts for nothing.
 */
async function verifiedFromDomains(
  pool: Pool,
  froms: readonly { workspaceId: string; address: string }[],
): Promise<Set<string>> {
  const pairs = froms.flatMap((f) => {
    const domain = sendingDomainOfAddress(f.address);
    return domain ? [{ workspaceId: f.workspaceId, domain }] : [];
  });
  if (pairs.length === 0) return new Set();
  const { rows } = await pool.query<{ workspace_id: string; domain: string }>(
    `SELECT d.workspace_id::text, d.domain FROM sending_domains d
       JOIN unnest($1::uuid[], $2::text[]) AS t(workspace_id, domain) ON d.workspace_id = t.workspace_id AND d.domain = t.domain
      WHERE d.status = 'verified'`,
    [pairs.map((p) => p.workspaceId), pairs.map((p) => p.domain)],
  );
  return new Set(rows.map((row) => `${row.workspace_id}:${row.domain}`));
}

/** Plain text as HTML paragraphs, every character escaped (Handlebars' escapeExpression). */
const paragraphs = (text: string): string =>
  text
    .split(/\n{2,}/)
    .map((p) => `<p>${Handlebars.Utils.escapeExpression(p).replace(/\n/g, '<br>')}</p>`)
    .join('\n');

/** The system email: the form's text and the signed link, as plain text and a minimal HTML part. */
export function confirmationMail(
  settings: ConfirmationSettings,
  to: string,
  link: string,
  messageId: string,
): OutgoingMail {
  const href = Handlebars.Utils.escapeExpression(link);
  const html = `<!doctype html><html><body>${paragraphs(settings.text)}
<p><a href="${href}">Confirm</a></p><p>${href}</p></body></html>`;
  return {
    from: { name: settings.fromName, address: settings.fromAddress },
    to,
    subject: settings.subject,
    text: `${settings.text}\n\n${link}\n`,
    html,
    messageId: `${messageId}@${settings.fromAddress.split('@')[1] ?? 'localhost'}`,
    headers: { 'Auto-Submitted': 'auto-generated' },
  };
}

/**
 * A confirmation item's outcome without SMTP, or its message. None of them has events (a system email is no KPI).
 * A closed confirmation (confirmed, expired) is not mailed; a From address that is not one plain address of a
 * verified sending domain of the workspace is never written into MAIL FROM (`failed`).
 */
export function prepareConfirmation(
  item: ConfirmItem,
  pending: Pending | undefined,
  row: RecipientRow | null,
  facts: BatchFacts,
  mint: { tokens: TrackingTokenCodec; ingestUrl: string },
): Prepared {
  if (!pending) return { kind: 'erased', item };
  if (!pending.open) return finalOutcome(item, 'blocked', { events: [] });
  const { settings } = pending;
  if (!settings || senderAddressProblem(settings.fromAddress, null) || !pending.fromVerified)
    return finalOutcome(item, 'failed', { events: [] });
  const recipient = decideRecipient(item, row, facts);
  if (recipient.kind !== 'to') return recipient;
  const token = mint.tokens.mint(
    {
      workspaceId: item.workspaceId,
      messageId: item.request.submission_id,
      contactId: item.contactId,
      emailId: pending.formId,
      emailVersion: pending.formVersion,
      sentAt: Math.floor(Date.now() / 1000),
    },
    'confirm',
  );
  const mail = confirmationMail(settings, recipient.address, `${mint.ingestUrl}/confirm/${token}`, item.messageId);
  const { address, domain } = recipient;
  return { kind: 'send', item, messageId: item.messageId, attempts: item.attempts, address, domain, mail };
}

export const isConfirm = (item: DeliveryItem): item is ConfirmItem => item.kind === 'confirm';
