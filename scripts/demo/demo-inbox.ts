import { simpleParser } from 'mailparser';
import {
  type TokenPurpose,
  TRACKING_HEADER,
  type TrackingToken,
  type TrackingTokenCodec,
} from '../../lib/contracts/tracking/tracking-token';
import { RecordingSmtp } from '../../test/support/recording-smtp';

/** One message as the SMTP peer accepted it: the envelope and the raw MIME. */
export interface Delivery {
  /** envelope sender (MAIL FROM): each of the journey's emails has its own from address */
  from: string;
  /** envelope recipient (RCPT TO) */
  to: string;
  receivedAt: number;
  raw: Buffer;
}

/** A tracked link as the recipient's message holds it. */
export interface MessageLink {
  linkId: string;
  token: string;
}

/**
 * What a recipient acts with: each URL's token, of its own purpose (null when the message has no such URL), the
 * X-Cairn-Tracking header's token (the mail provider's reports) and the signed links.
 */
export interface InboxMessage {
  address: string;
  receivedAt: number;
  /** the X-Cairn-Tracking header's `report` token */
  token: string;
  tracking: TrackingToken;
  /** the beacon's, List-Unsubscribe's and the forward link's tokens */
  open: string | null;
  unsubscribe: string | null;
  forward: string | null;
  links: MessageLink[];
}

const CLICK_PATH = /\/c\/([A-Za-z0-9_-]+)/g;
const BEACON_PATH = /\/o\/([A-Za-z0-9_-]+)\.gif/;
const FORWARD_PATH = /\/f\/([A-Za-z0-9_-]+)/;
const UNSUBSCRIBE_PATH = /\/u\/([A-Za-z0-9_-]+)>/;
/**
 * A copy of a token that does not share the parsed header block's or HTML's memory (V8 keeps a substring's
 * parent string alive), so a message kept for a later action costs its tokens, not its 20 KB of HTML.
 */
const own = (token: string): string => Buffer.from(token, 'latin1').toString('latin1');
/** mailparser's optional conversions cost more than the parse; the demo reads the HTML and one header. */
const PARSE_OPTIONS = { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true };

/**
 * Reads a delivered message (mailparser) for its X-Cairn-Tracking token, its List-Unsubscribe URL's token and the
 * beacon, forward and signed click URLs in its HTML.
 * Only messages a recipient acts on are read: parsing every message of a 100,000-recipient run would cost the
 * demo more CPU than the sender spends writing them.
 */
export async function readMessage(tokens: TrackingTokenCodec, delivery: Delivery): Promise<InboxMessage> {
  const mail = await simpleParser(delivery.raw, PARSE_OPTIONS);
  const token = own(String(mail.headers.get(TRACKING_HEADER.toLowerCase()) ?? ''));
  const tracking = tokens.verify(token, 'report');
  if (!tracking) throw new Error(`a message to ${delivery.to} carries no valid tracking token`);
  const html = String(mail.html);
  /** The token when it is this message's, of the purpose of the URL it was found in. */
  const ofMessage = (found: string | undefined, purpose: TokenPurpose): string | null =>
    found !== undefined && tokens.verify(found, purpose)?.messageId === tracking.messageId ? own(found) : null;
  const listUnsubscribe = mail.headerLines.find((header) => header.key === 'list-unsubscribe')?.line ?? '';
  const links = [...html.matchAll(CLICK_PATH)].flatMap((match) => {
    const click = tokens.verify(match[1] as string, 'click');
    return click?.linkId ? [{ linkId: click.linkId, token: own(match[1] as string) }] : [];
  });
  return {
    address: delivery.to,
    receivedAt: delivery.receivedAt,
    token,
    tracking,
    open: ofMessage(BEACON_PATH.exec(html)?.[1], 'open'),
    unsubscribe: ofMessage(UNSUBSCRIBE_PATH.exec(listUnsubscribe)?.[1], 'unsubscribe'),
    forward: ofMessage(FORWARD_PATH.exec(html)?.[1], 'forward'),
    links,
  };
}

/**
 * Every inbox of the demo: a real SMTP peer (smtp-server) that hands each accepted message on with its envelope
 * and keeps nothing, so a 100,000-recipient run does not hold every message in memory.
 */
export class DemoInbox {
  private readonly smtp: RecordingSmtp;

  constructor(deliver: (delivery: Delivery) => void) {
    this.smtp = new RecordingSmtp({
      keep: false,
      onMessage: (received) =>
        deliver({
          from: received.from.toLowerCase(),
          to: (received.to[0] ?? '').toLowerCase(),
          receivedAt: Date.now(),
          raw: received.raw,
        }),
    });
  }

  listen(): Promise<number> {
    return this.smtp.listen();
  }

  get accepted(): number {
    return this.smtp.accepted;
  }

  close(): Promise<void> {
    return this.smtp.close();
  }
}
