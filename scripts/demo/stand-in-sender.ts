import { randomUUID } from 'node:crypto';
import { createTransport } from 'nodemailer';
import { mapLinks, type EmailLink } from '../../lib/email/email-links';
import { compileHeaderTemplate, compileMergeTemplate } from '../../lib/email/merge-template';
import { TRACKING_HEADER, type TrackingTokenCodec } from '../../lib/tracking/tracking-token';
import { ApiClient } from './api-client';

/**
 * Stands in for services/sender, which comes with its own issue: renders the frozen version per recipient,
 * rewrites links into signed tracking URLs, adds the pixel and the List-Unsubscribe headers, hands each
 * message to a real SMTP peer, and reports send/blocked events through ingest's batch API.
 */
export interface Recipient {
  id: string;
  email: string;
  first_name: string | null;
  do_not_bulk_email: boolean;
  attributes: Record<string, unknown>;
}

export interface LiveVersion {
  emailId: string;
  version: number;
  subject: string;
  fromAddress: string;
  fromName: string;
  compiledHtml: string;
  links: EmailLink[];
}

export interface SentMessage {
  contactId: string;
  messageId: string;
  /** tracking token without a link: pixel, unsubscribe, forward, subscription center */
  token: string;
  clicks: { linkId: string; url: string; token: string }[];
}

export interface SendOptions {
  workspaceId: string;
  journeyId: string;
  tileId: string;
  version: LiveVersion;
  content: Record<string, unknown>;
  recipients: Recipient[];
  tokens: TrackingTokenCodec;
  ingestUrl: string;
  apiKey: string;
  smtpUrl: string;
  sentAt: number;
  onProgress: (done: number) => void;
}

const PATH_BY_KIND: Partial<Record<EmailLink['kind'], string>> = { link: 'c', attachment: 'a', subscription_center: 's', forward: 'f' };

function render(options: SendOptions, recipient: Recipient): { html: string; sent: SentMessage } {
  const messageId = randomUUID();
  const base = {
    workspaceId: options.workspaceId, messageId, contactId: recipient.id, emailId: options.version.emailId,
    emailVersion: options.version.version, sentAt: options.sentAt, journeyId: options.journeyId, tileId: options.tileId,
  };
  const token = options.tokens.mint(base);
  const clicks: SentMessage['clicks'] = [];
  const tracked = mapLinks(options.version.compiledHtml, (link) => {
    const path = PATH_BY_KIND[link.kind];
    if (!path) return null;
    if (path !== 'c' && path !== 'a') return `${options.ingestUrl}/${path}/${token}`;
    const linkToken = options.tokens.mint({ ...base, linkId: link.link_id });
    clicks.push({ linkId: link.link_id, url: link.url, token: linkToken });
    return `${options.ingestUrl}/${path}/${linkToken}`;
  });
  const context = { contact: { ...recipient }, account: {}, content: options.content } as never;
  const body = compileMergeTemplate(tracked)(context);
  const pixel = `<img src="${options.ingestUrl}/o/${token}.gif" width="1" height="1" alt="" />`;
  return { html: body.replace(/<\/body>/i, `${pixel}</body>`), sent: { contactId: recipient.id, messageId, token, clicks } };
}

async function postEvents(options: SendOptions, events: unknown[]): Promise<void> {
  const answer = await new ApiClient(options.ingestUrl, options.apiKey).post<{ rejected?: unknown[] }>('/v1/events', events);
  if ((answer.rejected?.length ?? 0) > 0) throw new Error(`ingest refused events: ${JSON.stringify(answer.rejected).slice(0, 300)}`);
}

export async function sendCampaign(options: SendOptions): Promise<{ sent: SentMessage[]; blocked: number }> {
  const transport = createTransport(options.smtpUrl, { pool: true, maxConnections: 4 } as never);
  const subject = compileHeaderTemplate(options.version.subject);
  const sent: SentMessage[] = [];
  let blocked = 0;
  let pending: unknown[] = [];
  const common = (contactId: string, messageId: string) => ({
    event_id: randomUUID(), event_time: options.sentAt * 1000, contact_id: contactId, message_id: messageId,
    email_id: options.version.emailId, email_version: options.version.version, journey_id: options.journeyId, tile_id: options.tileId,
  });
  for (const [index, recipient] of options.recipients.entries()) {
    if (recipient.do_not_bulk_email) {
      blocked++;
      pending.push({ type: 'blocked', data: { ...common(recipient.id, randomUUID()), reason: 'do_not_bulk_email' } });
    } else {
      const { html, sent: message } = render(options, recipient);
      const unsubscribe = `${options.ingestUrl}/u/${message.token}`;
      await transport.sendMail({
        from: { name: options.version.fromName, address: options.version.fromAddress },
        to: recipient.email,
        subject: subject({ contact: { ...recipient }, account: {}, content: options.content }),
        html,
        headers: { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click', [TRACKING_HEADER]: message.token },
      });
      sent.push(message);
      pending.push({ type: 'send', data: { ...common(recipient.id, message.messageId), recipient_domain: recipient.email.split('@')[1] ?? '' } });
    }
    if (pending.length >= 500 || index === options.recipients.length - 1) {
      await postEvents(options, pending);
      pending = [];
      options.onProgress(index + 1);
    }
  }
  transport.close();
  return { sent, blocked };
}
