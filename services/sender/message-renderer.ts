import { htmlToText } from 'html-to-text';
import { mapLinks, type EmailLink, type FollowedAttachment } from '../../lib/domain/email/email-links';
import {
  compileHeaderTemplate,
  compileMergeTemplate,
  compileTextTemplate,
  type MergeContext,
  type MergeTemplate,
} from '../../lib/domain/email/merge-template';
import { withPreheader } from '../../lib/domain/email/preheader';
import type { RenderBudget } from '../../lib/domain/email/render-budget';
import type {
  LinkPurpose,
  MessagePurpose,
  TrackingToken,
  TrackingTokenCodec,
} from '../../lib/contracts/tracking/tracking-token';

/** A frozen email version as the sender reads it (email_versions). */
export interface FrozenVersion {
  emailId: string;
  version: number;
  subject: string;
  fromAddress: string;
  fromName: string;
  replyTo: string | null;
  /** the preheader, rendered per recipient like the subject (email_versions.preview_text; '' for none) */
  previewText: string;
  compiledHtml: string;
  attachments: FollowedAttachment[];
  /** the content settings the version was frozen with; a journey's own settings win */
  contentSettingsId: string | null;
}

export interface RenderSettings {
  /** ingest's public base URL: pixel, click, unsubscribe, subscription center, forward */
  ingestUrl: string;
  /** the mailto of List-Unsubscribe; null: unsubscribe@<from domain> */
  unsubscribeMailbox: string | null;
  /** the most characters one template (HTML, text, subject, from name, preheader) may render per recipient; beyond: refused */
  maxRenderChars: number;
}

/** Who the message is for; the token fields of every URL in it. */
export type MessageIdentity = Omit<TrackingToken, 'linkId'>;

export interface RenderedMessage {
  subject: string;
  fromName: string;
  html: string;
  text: string;
  /** Message-ID without brackets */
  messageId: string;
  /** one-click URL and mailto, for List-Unsubscribe */
  unsubscribe: [string, string];
  listId: string;
  feedbackId: string;
  /** the message's `report` token (X-Cairn-Tracking, matched by returning bounces and complaints) */
  token: string;
}

const MAX_SUBJECT = 400;
const NUL = /\0/g;

/** NUL has no place in mail (RFC 5322); merge values lose it before rendering (header values lose CR and LF too). */
function withoutNul<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return (value.includes('\0') ? value.replace(NUL, '') : value) as T;
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => withoutNul(v, depth + 1)) as T;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutNul(v, depth + 1)])) as T;
}
const MAX_FROM_NAME = 200;
/** Ingest's path and the token purpose of each kind of followed link. */
const TRACKED: Partial<Record<EmailLink['kind'], { path: string; purpose: LinkPurpose }>> = {
  link: { path: 'c', purpose: 'click' },
  attachment: { path: 'a', purpose: 'attachment' },
  landing_page: { path: 'c', purpose: 'click' },
};
/** Links that reach a recipient page of ingest (the link kind is the token's purpose), tracked or not. */
const FUNCTION_PATHS: Partial<Record<EmailLink['kind'], string>> = { subscription_center: 's', forward: 'f' };
const isFunctionKind = (kind: EmailLink['kind']): kind is 'subscription_center' | 'forward' =>
  FUNCTION_PATHS[kind] !== undefined;

interface Variant {
  html: MergeTemplate;
  text: MergeTemplate;
  /**
   * NOTE: one token per purpose the message uses (docs/security.md, "Token purposes"): always `report`
   * (X-Cairn-Tracking) and `unsubscribe` (List-Unsubscribe URL and mailto), `open` for the beacon, and
   * `subscription_center` / `forward` only when the HTML links to them.
   */
  purposes: MessagePurpose[];
  /** links to mint a click or attachment token for, in placeholder order, with ingest's path for their kind */
  clickLinks: { linkId: string; path: string; purpose: LinkPurpose }[];
}

const urlOf = (base: string, path: string, token: string | undefined): string =>
  token === undefined ? '' : `${base}/${path}/${token}`;

const TEXT_OPTIONS = {
  wordwrap: false as const,
  selectors: [
    { selector: 'img', format: 'skip' },
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
  ],
};

/**
 * One per frozen version: the Handlebars templates (HTML and plain text, tracked and untracked) are compiled once,
 * with every link already rewritten to a placeholder the per-recipient context fills; MJML is never touched here.
 * NOTE: placeholders live under the reserved root `__t`, which no contact, account or content field can reach,
 * and they are the only triple-stash (unescaped) values: every merge value is HTML-escaped.
 */
export class VersionRenderer {
  private readonly tracked: Variant;
  private readonly plain: Variant;
  private readonly subject: MergeTemplate;
  private readonly fromName: MergeTemplate;
  private readonly preheader: MergeTemplate;
  private readonly domain: string;

  constructor(
    readonly version: FrozenVersion,
    private readonly tokens: TrackingTokenCodec,
    private readonly settings: RenderSettings,
  ) {
    this.tracked = this.variant(true);
    this.plain = this.variant(false);
    this.subject = compileHeaderTemplate(version.subject, this.budget());
    this.fromName = compileHeaderTemplate(version.fromName, this.budget());
    this.preheader = compileMergeTemplate(version.previewText, this.budget());
    this.domain = version.fromAddress.split('@')[1]?.toLowerCase() ?? 'localhost';
  }

  /** per recipient, each template's size bound is checked before it renders (lib/domain/email/render-budget.ts) */
  private budget(): RenderBudget {
    return { maxChars: this.settings.maxRenderChars };
  }

  private variant(follow: boolean): Variant {
    const clickLinks: Variant['clickLinks'] = [];
    const purposes = new Set<MessagePurpose>(follow ? ['report', 'unsubscribe', 'open'] : ['report', 'unsubscribe']);
    let html = mapLinks(
      this.version.compiledHtml,
      (link) => {
        if (isFunctionKind(link.kind)) {
          purposes.add(link.kind);
          return `{{{__t.${link.kind}}}}`;
        }
        if (!follow) return null;
        clickLinks.push({ linkId: link.link_id, ...(TRACKED[link.kind] ?? { path: 'c', purpose: 'click' }) });
        return `{{{__t.links.[${clickLinks.length - 1}]}}}`;
      },
      this.version.attachments,
    );
    const text = htmlToText(html, TEXT_OPTIONS);
    if (follow) {
      const beacon = '<img src="{{{__t.beacon}}}" width="1" height="1" alt="" style="display:block;border:0" />';
      html = /<\/body>/i.test(html) ? html.replace(/<\/body>/i, `${beacon}</body>`) : `${html}${beacon}`;
    }
    return {
      html: compileMergeTemplate(html, this.budget()),
      text: compileTextTemplate(text, this.budget()),
      purposes: [...purposes],
      clickLinks,
    };
  }

  /** tracking tokens minted per message: one per purpose the message uses, one per followed link */
  tokensPerMessage(follow: boolean): number {
    const variant = follow ? this.tracked : this.plain;
    return variant.purposes.length + variant.clickLinks.length;
  }

  /** Renders one recipient's message. Throws only on a template the error check let through (caller maps it). */
  render(identity: MessageIdentity, merge: MergeContext, follow: boolean): RenderedMessage {
    const base = this.settings.ingestUrl;
    const variant = follow ? this.tracked : this.plain;
    const minted = this.tokens.mintMessage(identity, variant.purposes, variant.clickLinks);
    // Only the variant's purposes were minted; a placeholder of another purpose is not in its templates.
    const token: Partial<Record<MessagePurpose, string>> = minted.message;
    const links = variant.clickLinks.map(({ path }, i) => urlOf(base, path, minted.links[i]));
    const beacon = token.open === undefined ? '' : `${base}/o/${token.open}.gif`;
    const __t = {
      links,
      beacon,
      subscription_center: urlOf(base, 's', token.subscription_center),
      forward: urlOf(base, 'f', token.forward),
    };
    const context = {
      contact: withoutNul(merge.contact),
      account: withoutNul(merge.account),
      content: merge.content,
      __t,
    } as MergeContext;
    const mailbox = this.settings.unsubscribeMailbox ?? `unsubscribe@${this.domain}`;
    const scope = identity.listId ? `${identity.listId}.lists` : `${identity.emailId}.emails`;
    return {
      subject: this.subject(context).slice(0, MAX_SUBJECT),
      fromName: this.fromName(context).slice(0, MAX_FROM_NAME),
      // the text part was made from the version's HTML, without the preheader: inboxes show it, bodies do not
      html: withPreheader(variant.html(context), this.preheader(context)),
      text: variant.text(context),
      messageId: `${identity.messageId}@${this.domain}`,
      unsubscribe: [
        urlOf(base, 'u', token.unsubscribe),
        `mailto:${mailbox}?subject=unsubscribe%20${token.unsubscribe ?? ''}`,
      ],
      listId: `${scope}.${this.domain}`,
      feedbackId: `${identity.journeyId ?? 'direct'}:${identity.emailId}:${identity.workspaceId}:cairn`,
      token: token.report ?? '',
    };
  }
}
