import { escapeAttribute, escapeText } from 'entities';
import { extractLinks, linkProblem, type FollowedAttachment } from '../../lib/domain/email/email-links';
import { checkMergeFields, type TemplateIssue } from '../../lib/domain/email/merge-fields';
import { ApiProblem } from './api-problem';

/** A file of the message as the API knows it: its download URL is the capability served by services/engagement. */
export interface MessageFile {
  id: string;
  filename: string;
  size: number;
  downloadToken: string;
  followed: boolean;
}

/**
 * The checks a one-to-one body and subject must pass before anything is stored: merge fields that resolve and
 * are HTML-escaped (lib/domain/email/merge-fields, the marketing check's rules), and links a browser can follow.
 * 422 naming the field, as the email check does.
 */
export function checkContent(subject: string, bodyHtml: string, prefix = ''): void {
  const issues: TemplateIssue[] = [
    ...checkMergeFields(subject, `${prefix}subject`).issues,
    ...checkMergeFields(bodyHtml, `${prefix}body_html`).issues,
  ];
  if (/[\r\n]/.test(subject)) issues.push({ field: `${prefix}subject`, message: 'must be one line' });
  for (const link of extractLinks(bodyHtml)) {
    const problem = linkProblem(link.url);
    if (problem) issues.push({ field: `${prefix}body_html`, message: `link ${link.url.slice(0, 100)} ${problem}` });
  }
  if (issues.length > 0) throw new ApiProblem(422, `the message has ${issues.length} problem(s) to fix`, issues);
}

/** Text for the frozen HTML, which is a Handlebars template: braces too become entities, so a name is never a merge field. */
const literalText = (text: string): string =>
  escapeText(text).replace(/[{}]/g, (brace) => (brace === '{' ? '&#123;' : '&#125;'));

const fileUrl = (publicUrl: string, file: MessageFile): string => `${publicUrl}/files/${file.id}/${file.downloadToken}`;

function sizeLabel(bytes: number): string {
  return bytes >= 1_048_576 ? `${(bytes / 1_048_576).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/**
 * The HTML frozen for a message: the body, plus (followed messages only) a list of links to its followed
 * attachments. Those links are recorded as kind `attachment` (email_links), so ingest's /a/<token> counts the
 * view and redirects to the file; an unfollowed message (or attachment) gets the file attached instead.
 */
export function messageHtml(
  bodyHtml: string,
  files: readonly MessageFile[],
  followed: boolean,
  publicUrl: string,
): { html: string; attachments: FollowedAttachment[] } {
  const linked = followed ? files.filter((file) => file.followed) : [];
  if (linked.length === 0) return { html: bodyHtml, attachments: [] };
  const items = linked.map(
    (file) =>
      `<li><a href="${escapeAttribute(fileUrl(publicUrl, file))}">${literalText(file.filename)}</a> (${sizeLabel(file.size)})</li>`,
  );
  const block = `<div class="cairn-attachments"><p>Attachments:</p><ul>${items.join('')}</ul></div>`;
  const html = /<\/body>/i.test(bodyHtml) ? bodyHtml.replace(/<\/body>/i, `${block}</body>`) : `${bodyHtml}${block}`;
  return { html, attachments: linked.map((file) => ({ url: fileUrl(publicUrl, file), label: file.filename })) };
}
