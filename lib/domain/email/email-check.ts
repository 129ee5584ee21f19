import { extractLinks, linkProblem, type EmailLink, type FollowedAttachment } from './email-links';
import { isEmailAddress } from './email-address';
import { checkMergeFields, type TemplateIssue } from './merge-fields';
import { compileMjml } from './mjml-compile';

/** The editable part of an email (emails.draft). */
export interface EmailDraft {
  subject: string;
  from_address: string;
  from_name?: string;
  reply_to?: string | null;
  preview_text?: string;
  body_mjml: string;
  content_settings_id?: string | null;
  attachments?: FollowedAttachment[];
}

export interface ContentSettingsData {
  subscription_center_url: string;
  forward_url: string;
  postal_address: string;
  social_links: Record<string, string>;
}

export interface CompiledEmail {
  html: string;
  links: EmailLink[];
}

export interface EmailCheck {
  issues: TemplateIssue[];
  compiled?: CompiledEmail;
}

function headerIssues(draft: EmailDraft): TemplateIssue[] {
  const issues: TemplateIssue[] = [];
  if (!draft.subject?.trim()) issues.push({ field: 'subject', message: 'subject is required; add a subject line' });
  else issues.push(...checkMergeFields(draft.subject, 'subject').issues);
  if (/[\r\n\0]/.test(draft.subject ?? ''))
    issues.push({ field: 'subject', message: 'subject must be one line (no CR, LF or NUL)' });
  if (!isEmailAddress(draft.from_address))
    issues.push({ field: 'from_address', message: 'from address must be a valid address such as news@example.com' });
  if (draft.reply_to && !isEmailAddress(draft.reply_to))
    issues.push({ field: 'reply_to', message: 'return (reply-to) address must be a valid address or left empty' });
  if (draft.from_name && /[\r\n\0]/.test(draft.from_name))
    issues.push({ field: 'from_name', message: 'from name must be one line' });
  issues.push(...checkMergeFields(draft.preview_text ?? '', 'preview_text').issues);
  // The preheader is text inside a hidden div (lib/domain/email/preheader.ts): markup would end the div early.
  if (/[<>]/.test((draft.preview_text ?? '').replace(/\{\{[^}]*\}\}/g, '')))
    issues.push({ field: 'preview_text', message: 'preview text is plain text: write < and > as &lt; and &gt;' });
  return issues;
}

function contentIssues(content: ContentSettingsData | null): TemplateIssue[] {
  if (!content)
    return [
      {
        field: 'content_settings_id',
        message: 'no content settings: set content_settings_id or create default content settings',
      },
    ];
  const issues: TemplateIssue[] = [];
  const problem = linkProblem(content.subscription_center_url);
  if (problem)
    issues.push({ field: 'content_settings.subscription_center_url', message: `subscription-center URL ${problem}` });
  if (!content.postal_address.trim())
    issues.push({ field: 'content_settings.postal_address', message: 'postal address is empty' });
  return issues;
}

/** A forward-to-a-friend link leads to the content settings' forward page (docs/ingest.md#endpoints): it must name one. */
function forwardIssues(content: ContentSettingsData | null, links: EmailLink[]): TemplateIssue[] {
  if (!content || !links.some((link) => link.kind === 'forward')) return [];
  const problem = content.forward_url.trim() === '' ? 'is empty' : linkProblem(content.forward_url);
  return problem
    ? [
        {
          field: 'content_settings.forward_url',
          message: `forward-to-a-friend URL ${problem}, and the email links to forward to a friend: set it or remove the link`,
        },
      ]
    : [];
}

function bodyIssues(draft: EmailDraft, fields: string[], links: EmailLink[]): TemplateIssue[] {
  const issues: TemplateIssue[] = [];
  if (!links.some((link) => link.kind === 'subscription_center'))
    issues.push({
      field: 'body_mjml',
      message:
        'required subscription-center link missing: add <a href="{{content.subscription_center_url}}">Manage subscriptions</a>',
    });
  if (!fields.includes('content.postal_address'))
    issues.push({
      field: 'body_mjml',
      message: 'required postal address missing: add {{content.postal_address}} to the footer',
    });
  for (const link of links) {
    const problem = linkProblem(link.url);
    if (problem) issues.push({ field: 'body_mjml', message: `link "${link.url.slice(0, 100)}" ${problem}` });
  }
  for (const [index, attachment] of (draft.attachments ?? []).entries()) {
    const problem = linkProblem(attachment.url);
    if (problem) issues.push({ field: `attachments[${index}].url`, message: `attachment URL ${problem}` });
  }
  return issues;
}

/**
 * The go-live error check (docs/api.md#error-check-and-go-live): valid MJML, subject, from and return addresses,
 * subscription-center link and postal address present, a forward page when the email links to one, every merge field
 * resolvable, every link valid. Compiles the
 * MJML once; the compiled HTML (merge fields intact) and its link table are returned when there is nothing to fix.
 */
export async function checkEmail(draft: EmailDraft, content: ContentSettingsData | null): Promise<EmailCheck> {
  const issues = [...headerIssues(draft), ...contentIssues(content)];
  const merge = checkMergeFields(draft.body_mjml ?? '', 'body_mjml');
  issues.push(...merge.issues);
  const compiled = await compileMjml(draft.body_mjml ?? '');
  if (!compiled.ok) return { issues: [...issues, ...compiled.issues] };
  const links = extractLinks(compiled.html, draft.attachments ?? []);
  issues.push(...bodyIssues(draft, merge.fields, links), ...forwardIssues(content, links));
  return issues.length > 0 ? { issues } : { issues, compiled: { html: compiled.html, links } };
}
