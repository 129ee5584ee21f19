import { createHash } from 'node:crypto';
import { decodeHTMLAttribute } from 'entities';

export type LinkKind = 'link' | 'attachment' | 'subscription_center' | 'forward' | 'landing_page';

export interface EmailLink {
  link_id: string;
  url: string;
  kind: LinkKind;
  label: string;
}

export interface FollowedAttachment {
  url: string;
  label: string;
}

const ANCHOR_HREF = /(<a\b[^>]*?\shref\s*=\s*")([^"]*)("[^>]*>)([\s\S]*?)<\/a>/gi;
const UNTRACKED = /^(mailto:|tel:|#)/i;

export const SUBSCRIPTION_CENTER_HREF = '{{content.subscription_center_url}}';
export const FORWARD_HREF = '{{content.forward_url}}';

function kindOf(url: string, attachments: ReadonlySet<string>): LinkKind {
  if (url === SUBSCRIPTION_CENTER_HREF) return 'subscription_center';
  if (url === FORWARD_HREF) return 'forward';
  return attachments.has(url) ? 'attachment' : 'link';
}

const textOf = (html: string): string =>
  html
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);

/**
 * Link ids are a hash of the URL and its occurrence number, so the same link keeps its id across versions of
 * an email and two identical links in one version stay distinguishable.
 * NOTE: ids are stable for a given compiled HTML; mapLinks visits anchors in the same order, so the sender's
 * rewrite and the stored email_links rows always agree.
 */
export function mapLinks(
  html: string,
  rewrite: (link: EmailLink) => string | null,
  attachments: FollowedAttachment[] = [],
): string {
  const attachmentUrls = new Set(attachments.map((a) => a.url));
  const labels = new Map(attachments.map((a) => [a.url, a.label]));
  const seen = new Map<string, number>();
  return html.replace(ANCHOR_HREF, (whole, open: string, url: string, close: string, inner: string) => {
    const href = url.trim();
    if (href === '' || UNTRACKED.test(href)) return whole;
    const occurrence = (seen.get(href) ?? 0) + 1;
    seen.set(href, occurrence);
    // NOTE: the id hashes the attribute as written (ids of versions already live stay what the sender computes);
    // the stored URL is the one a browser follows: `?a=1&amp;b=2` in the HTML is `?a=1&b=2` on the wire.
    const link_id = createHash('sha256').update(`${href}#${occurrence}`).digest('base64url').slice(0, 12);
    const followed = decodeHTMLAttribute(href);
    const link: EmailLink = {
      link_id,
      url: followed,
      kind: kindOf(followed, attachmentUrls),
      label: labels.get(followed) ?? textOf(inner),
    };
    const replacement = rewrite(link);
    return replacement === null ? whole : `${open}${replacement}${close}${inner}</a>`;
  });
}

export function extractLinks(html: string, attachments: FollowedAttachment[] = []): EmailLink[] {
  const links: EmailLink[] = [];
  mapLinks(html, (link) => (links.push(link), null), attachments);
  return links;
}

/** A link is valid when, with merge fields replaced by a placeholder, it is an absolute http(s) URL. */
export function linkProblem(url: string): string | null {
  if (url === SUBSCRIPTION_CENTER_HREF || url === FORWARD_HREF) return null;
  if (/[\s<>"]/.test(url.replace(/\{\{[^}]*\}\}/g, ''))) return 'contains spaces or markup';
  try {
    const parsed = new URL(url.replace(/\{\{[^}]*\}\}/g, 'x'));
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      return `scheme ${parsed.protocol} is not allowed (use http or https)`;
    if (parsed.hostname === '') return 'has no host';
    return null;
  } catch {
    return 'is not an absolute URL (expected https://...)';
  }
}
